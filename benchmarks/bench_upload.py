"""Memory of a batch upload to `partyrules serve`: 1,000 rows against 100,000, each in a fresh server.

For each size, starts `python -m partyrules serve` on a free loopback port (a process of its own, so its
peak memory is that upload's), uploads a CSV of that many cells (the shipped Hà Tĩnh cells repeated, ids
made unique) to `/api/score/file` under `vn.hatinh/chi-bo-4-tot` for the results as CSV, checks the answer
has one line a row, then for the summary, and reads the server's peak resident memory (VmHWM, Linux) before
stopping it. The upload is written to a file as it arrives and scored as a stream (partyrules.batch), so the
peak should not grow with the rows: the last line is the growth from the smallest to the largest size.

    python benchmarks/bench_upload.py [--rows 1000 100000]
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from partyrules.catalog import data_path

RULES = "vn.hatinh/chi-bo-4-tot"


def _csv(rows: int) -> bytes:
    with data_path("hatinh-cells-2024.csv").open(encoding="utf-8", newline="") as source:
        header, *cells = list(csv.reader(source))
    id_at = header.index("cell_id")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i in range(rows):
        fields = list(cells[i % len(cells)])
        fields[id_at] = f"c{i}"
        writer.writerow(fields)
    return out.getvalue().encode("utf-8")


def _serve() -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "partyrules", "serve", "--port", str(port), "--time-limit", "3600"],
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)


def _post(port: int, path: str, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    connection.request("POST", path, body=body, headers={"content-type": "text/csv"})
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    return response.status, answer


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc: this benchmark needs Linux")


def measure(rows: int) -> list[str]:
    body = _csv(rows)
    process, port = _serve()
    try:
        query = f"/api/score/file?ruleset={RULES}&filename=cells.csv"
        _post(port, query + "&output=summary", _csv(10))  # the ruleset compiled before the clock starts
        started = time.perf_counter()
        status, results = _post(port, query + "&output=csv", body)
        seconds = time.perf_counter() - started
        assert status == 200, results[:500]
        assert results.count(b"\n") == rows + 1, "one results line a row, and the header"
        status, summary = _post(port, query + "&output=summary", body)
        assert status == 200 and json.loads(summary)["scored"] == rows, summary[:500]
        peak = _peak_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return [f"{rows:,}", f"{len(body) / 2**20:.1f}", f"{seconds:.2f}", f"{rows / seconds:,.0f}", f"{peak:.1f}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 100_000])
    args = parser.parse_args()
    table = [["rows", "upload MiB", "results s", "rows/s", "server peak MiB"]]
    table += [measure(n) for n in sorted(args.rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for i, row in enumerate(table):
        print("| " + " | ".join(c.rjust(w) for c, w in zip(row, widths)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    growth = float(table[-1][-1]) - float(table[1][-1])
    print(f"peak_growth_mib={growth:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
