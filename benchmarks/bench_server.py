"""Load check of `partyrules serve`: concurrent clients scoring single organisations over loopback HTTP.

Starts `python -m partyrules serve` on a free loopback port (a process of its own, as it runs in
use), then N client threads (8 by default), each with one kept-alive connection, send
`POST /api/evaluate` for the cells of the shipped Hà Tĩnh data in turn, for a bounded time
(30 s by default) and at most a bounded number of requests. Every answer is compared with the
evaluation `Ruleset.evaluate` gives in this process (the same JSON data); any other status, a
failed connection or a different answer is an error. In the same run it times `evaluate` itself on
the same rows, so the cost of HTTP is seen side by side. Prints one table.

Then, one client at a time, what the workbench's editor pane and diff panel ask, each beside the
same work done in this process: colours, hover and completion on the text of chi-bo-4-tot
(`/api/highlight`, `/api/hover`, `/api/complete` against the lexer and the language server's
index), and the Hà Tĩnh CSV under chi-bo-4-tot and a revision of it (`/api/diff/file` against
reading the file and `partyrules.diff.impact`); the medians of `--repeat` calls each (5 by default). A second table.

    python benchmarks/bench_server.py [--clients 8] [--seconds 30] [--max-requests 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Any

import partyrules
from partyrules import data, serialize
from partyrules.catalog import data_path

RULES = "vn.hatinh/chi-bo-4-tot"


def _rows() -> tuple[list[dict[str, Any]], list[Any]]:
    ruleset = partyrules.load(RULES)
    table = data.read(data_path("hatinh-cells-2024.csv"), ruleset.inputs)
    facts = [serialize.facts_to_data(ruleset, r.facts) for r in table.rows if isinstance(r, data.Row)]
    expected = [
        json.loads(json.dumps(serialize.unstructure(ruleset.evaluate(serialize.facts_from_data(ruleset, f)))))
        for f in facts
    ]
    return facts, expected


def _start_server() -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "partyrules", "serve", "--port", str(port)], stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/rulesets/{RULES}", timeout=60):
                return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.1)


def _client(
    port: int,
    start: int,
    facts: list[dict[str, Any]],
    expected: list[Any],
    stop: float,
    budget: list[int],
    out: dict[str, Any],
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    errors = mismatches = 0
    i = start
    lock = out["lock"]
    while time.monotonic() < stop:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        index = i % len(facts)
        i += 1
        body = json.dumps({"ruleset": RULES, "facts": facts[index]}).encode()
        began = time.perf_counter()
        try:
            connection.request("POST", "/api/evaluate", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - began)
        if response.status != 200:
            errors += 1
        elif json.loads(answer) != expected[index]:
            mismatches += 1
    connection.close()
    with lock:
        out["latencies"] += latencies
        out["errors"] += errors
        out["mismatches"] += mismatches


def _median_ms(work: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def _post(port: int, path: str, body: bytes, kind: str = "application/json") -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", body, {"Content-Type": kind})
    with urllib.request.urlopen(request, timeout=120) as response:
        return bytes(response.read())


def _editor_and_diff(port: int, repeat: int) -> list[list[str]]:
    """Rows of the second table: an endpoint's median beside the same work in this process."""
    from partyrules import diff
    from partyrules.api import analyse
    from partyrules.catalog import shipped_path
    from partyrules.lsp.index import Index
    from partyrules.server.editor import highlighted

    text = shipped_path(RULES).read_text(encoding="utf-8")
    line = next(i for i, t in enumerate(text.split("\n"), 1) if "points = bands task_completion" in t)
    place = {"text": text, "line": line, "column": 30}
    revised = text.replace("band from 90;", "band from 85;").replace("band from 70 below 90;", "band from 70 below 85;")
    fingerprint = json.loads(_post(port, "/api/compile", json.dumps({"text": revised}).encode()))["fingerprint"]
    csv_bytes = data_path("hatinh-cells-2024.csv").read_bytes()
    old, new = partyrules.load(RULES), partyrules.loads(revised)

    def read_and_compare() -> Any:  # what the endpoint does, but the upload: read the file, score under both
        table = data.read(data_path("hatinh-cells-2024.csv"), old.inputs)
        return diff.impact(old, new, [(r.number, r.id, r.facts) for r in table.rows if isinstance(r, data.Row)])

    cases = [
        ("POST /api/highlight (chi-bo-4-tot)", "/api/highlight", {"text": text}, lambda: highlighted(text)),
        (
            "POST /api/hover (chi-bo-4-tot)",
            "/api/hover",
            place,
            lambda: Index(analyse(text, "w.criteria")).hover_at("w.criteria", line, 30),
        ),
        (
            "POST /api/complete (chi-bo-4-tot)",
            "/api/complete",
            place,
            lambda: Index(analyse(text, "w.criteria")).completions(line, 30, []),
        ),
        (
            "POST /api/diff/file (4,131 cells)",
            f"/api/diff/file?old={RULES}&new_fingerprint={fingerprint}&filename=cells.csv",
            csv_bytes,
            read_and_compare,
        ),
    ]
    out = []
    for what, path, body, local in cases:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        kind = "text/csv" if isinstance(body, bytes) else "application/json"
        served = _median_ms(lambda: _post(port, path, raw, kind), repeat)  # noqa: B023 - called at once
        alone = _median_ms(local, repeat)
        out.append([what, str(repeat), f"{served:.1f}", f"{alone:.1f}", f"{served / alone:.2f}"])
    return out


def _print(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    facts, expected = _rows()
    ruleset = partyrules.load(RULES)
    typed = [serialize.facts_from_data(ruleset, f) for f in facts]
    began = time.perf_counter()
    for f in typed:
        ruleset.evaluate(f)
    direct = (time.perf_counter() - began) / len(typed)

    process, port = _start_server()
    try:
        out: dict[str, Any] = {"latencies": [], "errors": 0, "mismatches": 0, "lock": threading.Lock()}
        budget = [args.max_requests]
        began = time.perf_counter()
        stop = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=_client, args=(port, k * 500, facts, expected, stop, budget, out))
            for k in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        second = _editor_and_diff(port, args.repeat)
    finally:
        process.terminate()
        process.wait(timeout=10)

    latencies = sorted(out["latencies"])
    count = len(latencies)
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = latencies[min(count - 1, int(count * 0.99))] * 1000 if latencies else float("nan")
    rows = [
        ["what", "requests", "seconds", "per second", "p50 ms", "p99 ms", "errors", "differ from evaluate"],
        [
            f"HTTP POST /api/evaluate, {args.clients} clients",
            f"{count:,}",
            f"{elapsed:.1f}",
            f"{count / elapsed:,.0f}",
            f"{p50:.2f}",
            f"{p99:.2f}",
            str(out["errors"]),
            str(out["mismatches"]),
        ],
        [
            "Ruleset.evaluate in process, 1 thread",
            f"{len(typed):,}",
            f"{direct * len(typed):.2f}",
            f"{1 / direct:,.0f}",
            f"{direct * 1000:.3f}",
            "-",
            "-",
            "-",
        ],
    ]
    _print(rows)
    print()
    _print([["editor pane and diff, 1 client", "calls", "HTTP p50 ms", "in process ms", "ratio"], *second])
    return 0 if out["errors"] == 0 and out["mismatches"] == 0 and count > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
