"""Benchmark: how fast the language server answers an edit, against the 200 ms an author should wait at most.

Usage::

    python benchmarks/bench_lsp.py [--edits N]

Steps:

1. start ``partyrules lsp`` in a subprocess and talk to it over stdio as an editor does
   (benchmarks/lspclient.py);
2. open two shipped files of about 400 lines: ``vn.hatinh/chi-bo-4-tot`` (401 lines, on its own)
   and ``vn.hatinh/cell-meeting`` (354 lines, extending the 456-line national meeting scale);
3. for each, send N whole-text changes (``didChange``), alternating a new comment line (the
   file stays valid, every pass of the checker runs) and a misspelt name (an error), and time
   each from sending the change to receiving its diagnostics: first back to back (each change
   sent as soon as the last one's diagnostics arrive: to the server, one burst, so each waits
   out the quiet period), then paced (a pause of ``--pause`` ms before each, as between the
   words an author types: each is checked at once); then time N hovers, definitions and
   completions at a name;
4. beside it, in this process, time ``partyrules.api.check`` of the same texts (what ``partyrules
   check`` does for one file, bases read from disk every time), so the table shows what the
   server adds to the checker and what keeping the bases between edits saves;
5. print a table (median, 90th percentile and worst, in ms; on Linux also the server's CPU time
   per change, which moves less than the wall clock when other work shares the machine) and,
   last, ``median_change_ms=X``, ``worst_change_ms=X`` and ``budget_ratio=X.XX`` (the worst
   change of either kind over 200 ms: under 1 meets the target).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lspclient import Client, position_of

from partyrules.api import check
from partyrules.catalog import shipped_path

BUDGET_MS = 200.0


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc (Linux); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _edits(text: str, name: str, count: int) -> list[str]:
    """Alternately the text with a new comment line (still valid) and a misspelt use of ``name`` (an error)."""
    at = text.index(name, text.index(name) + 1)
    misspelt = text[:at] + name[::-1] + text[at + len(name) :]
    out = []
    for i in range(count):
        if i % 2:
            out.append(misspelt)
        else:
            out.append(text + f"\n# edit {i}\n")
    return out


def _row(label: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return f"| {label:<62} | {statistics.median(ms):8.1f} | {p90:8.1f} | {ms[-1]:8.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument(
        "--debounce-ms", type=float, default=None, help="the server's quiet period before a check (default: its own)"
    )
    parser.add_argument(
        "--pause", type=float, default=150.0, help="ms between the paced changes (default 150: typing speed)"
    )
    args = parser.parse_args()
    client = Client(initialization_options=None if args.debounce_ms is None else {"debounce_ms": args.debounce_ms})
    rows = []
    worst = 0.0
    every: list[float] = []
    try:
        for ruleset_id, name in (
            ("vn.hatinh/chi-bo-4-tot", "thematic_meetings"),
            ("vn.hatinh/cell-meeting", "present"),
        ):
            path = shipped_path(ruleset_id)
            text = path.read_text(encoding="utf-8")
            lines = text.count("\n")
            started = time.perf_counter()
            uri, _ = client.open(path)
            opened = time.perf_counter() - started
            changes = []
            cpu_before = _cpu_seconds(client.process.pid)
            for edit in _edits(text, name, args.edits):
                started = time.perf_counter()
                client.change(uri, edit)
                changes.append(time.perf_counter() - started)
            cpu_after = _cpu_seconds(client.process.pid)
            paced = []
            for edit in _edits(text, name, args.edits):
                time.sleep(args.pause / 1000)
                started = time.perf_counter()
                client.change(uri, edit)
                paced.append(time.perf_counter() - started)
            client.change(uri, text)
            line, character = position_of(text, name, 1, offset=1)
            asked: dict[str, list[float]] = {"hover": [], "definition": [], "completion": []}
            for _ in range(args.edits):
                for method in asked:
                    started = time.perf_counter()
                    client.at(f"textDocument/{method}", uri, line, character)
                    asked[method].append(time.perf_counter() - started)
            checks = []
            for edit in _edits(text, name, args.edits):
                started = time.perf_counter()
                check(path, text=edit)
                checks.append(time.perf_counter() - started)
            worst = max(worst, *changes, *paced)
            every += changes + paced
            shown = f"{ruleset_id} ({lines} lines): open"
            rows.append(f"| {shown:<62} | {opened * 1000:8.1f} |          |          |")
            rows.append(_row(f"{ruleset_id}: change -> diagnostics, back to back", changes))
            rows.append(_row(f"{ruleset_id}: change -> diagnostics, paced", paced))
            if cpu_before is not None and cpu_after is not None:
                per_change = (cpu_after - cpu_before) / len(changes) * 1000
                rows.append(
                    f"| {ruleset_id + ': server CPU per change (mean)':<62} | {per_change:8.1f} |          |          |"
                )
            rows += [_row(f"{ruleset_id}: {method}", times) for method, times in asked.items()]
            rows.append(_row(f"{ruleset_id}: api.check in-process", checks))
    finally:
        client.close()
    print(f"| {'what (' + str(args.edits) + ' times each)':<62} | {'median':>8} | {'p90':>8} | {'worst':>8} |")
    print(f"|{'-' * 64}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    print("\n".join(rows))
    print(f"median_change_ms={statistics.median(every) * 1000:.1f}")
    print(f"worst_change_ms={worst * 1000:.1f}")
    print(f"budget_ratio={worst * 1000 / BUDGET_MS:.2f}")


if __name__ == "__main__":
    main()
