"""Benchmark: ``partyrules score`` on a CSV file against a hand-written stdlib scorer of the same file,
its peak memory as the file grows, and ``partyrules check`` on a long file with many problems.

Usage::

    python benchmarks/bench_score.py [--rows N] [--repeats R] [--memory 1000,100000,1000000]
                                     [--check-lines L] [--folder DIR]

Steps:

1. write the data files (deterministic: the same bytes every run) in a temporary folder:
   for 4 tốt (the shipped ``vn.hatinh/chi-bo-4-tot``) the shipped synthetic
   ``hatinh-cells-2024.csv`` cycled to N rows, each copy's ids suffixed (``HT-TPHT-0001-3``) so
   that no id repeats; for the rate-heavy meeting sheet (``meeting-rates.criteria`` next to this
   file) N seeded meetings (``sheets.meeting_rows``), one ``meeting_id`` column first;
2. for each sheet, R times, in alternating order: run ``partyrules score RULES DATA -o out.csv
   --no-progress`` (as a second run has it: the ruleset read from the cache of compiled rulesets,
   kept in the temporary folder and filled by the untimed first run), the same with ``--no-cache``
   (parsed, checked and compiled afresh; its results must be the same bytes) and the hand-written scorer (this file, ``--handwritten``: ``csv.DictReader``,
   the sheet's parse and Decimal scorer from ``handwritten.py`` / ``handwritten_sheets.py``,
   ``csv.writer`` of id, total and grade) each in a child process of its own, timed by the wall
   clock and by the child's CPU time (``os.wait4``), and keep the best of each. The children run
   with their bytecode cached, as an installed package's is (``PYTHONPYCACHEPREFIX`` in the
   temporary folder, written by an untimed first run of each on 10 rows);
3. run ``partyrules score`` on 4 tốt at each ``--memory`` size once and read the child's peak
   resident memory (``ru_maxrss``);
4. write a criteria file of L lines with more than 1,000 problems (names used twice, points that
   can exceed their maximum, unknown names) and time ``partyrules check`` on it (best of R);
5. print the table; the last line is ``score_ratio_vs_handwritten=X.XX``, the highest over the
   sheets of partyrules time / hand-written time by CPU, the ruleset from the cache (lower is
   better; the target is 1.3). The hand-written scorer writes id, total and grade; ``partyrules
   score`` writes every criterion's points too (23 columns for 4 tốt, 15 for the meeting sheet).

Only the installed package and the standard library are used (``partyrules`` is run as
``python -m partyrules``, the interpreter running this script).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))



# ---------------------------------------------------------------- the hand-written scorer (a child process)


def handwritten(sheet: str, source: str, target: str) -> None:
    """Score ``source`` by hand: read each row with the csv module, parse it, score it in Decimals, write
    id, total and grade; the stdlib scorer an office's programmer would write."""
    from sheets import load_module

    if sheet == "4tot":
        module = load_module("handwritten")
        parse: Callable[[Mapping[str, str]], dict[str, Any]] = load_module("handwritten_sheets").four_good_parse
        score = module.score
        id_column = "cell_id"
    else:
        module = load_module("handwritten_sheets")
        parse, score, id_column = module.meeting_parse, module.meeting_decimal, "meeting_id"
    with open(source, encoding="utf-8-sig", newline="") as data, open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["id", "total", "grade"])
        for row in csv.DictReader(data):
            total, grade = score(parse(row))
            writer.writerow([row[id_column], total, grade or ""])


# ---------------------------------------------------------------- the data files


def four_good_file(path: Path, count: int) -> None:
    """The shipped 4 tốt data cycled to ``count`` rows, each copy's ids suffixed with its copy number."""
    import partyrules

    shipped = Path(partyrules.__file__).parent / "data" / "hatinh-cells-2024.csv"
    with open(shipped, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    header, body = rows[0], rows[1:]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        for n in range(count):
            copy, row = divmod(n, len(body))
            cells = list(body[row])
            if copy:
                cells[0] = f"{cells[0]}-{copy}"
            writer.writerow(cells)


def meeting_file(path: Path, count: int) -> None:
    """``count`` seeded meetings for ``meeting-rates.criteria``, written in chunks (the rows are not held)."""
    from handwritten_sheets import MEETING_INPUTS
    from sheets import as_text, meeting_rows

    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["meeting_id", *MEETING_INPUTS])
        done = 0
        for chunk in itertools.count():
            if done >= count:
                break
            size = min(10_000, count - done)
            for i, row in enumerate(meeting_rows(size, seed=chunk)):
                cells = [as_text(row[name]) if name in row else "" for name in MEETING_INPUTS]
                writer.writerow([f"M{done + i + 1:07d}", *cells])
            done += size


def check_file(path: Path, lines: int) -> int:
    """A criteria file of about ``lines`` lines: items in groups, every fifth one with a problem (an item
    whose points can exceed its maximum, a name used twice, an unknown name) every second item. Returns the problems planted."""
    out = [
        'ruleset "bench/check" {',
        '  title "Kiểm tra";',
        '  version "1";',
        "  effective from 2024-01-01;",
        '  points illustrative "benchmark";',
        "}",
        'input minutes "Thời lượng": integer 0..600;',
    ]
    items = max(1, (lines - 30) // 7)
    planted = 0
    body = []
    for i in range(items):
        problem, kind = i % 2 == 0 and i > 0, (i // 2) % 3
        name = f"item_{i - 1}" if problem and kind == 1 else f"item_{i}"
        points = "min(minutes, 9)" if problem and kind == 0 else "min(minutes, 5)"
        if problem and kind == 2:
            points = f"min(unknown_{i}, 5)"
        planted += problem
        body += [
            f'  item {name} "Mục {i}" max 5 {{',
            f'    cite "Mục {i}";',
            f"    points = {points};",
            "  }",
            "",
            f"  # mục {i}",
            "",
        ]
    out.append(f'criteria "Tiêu chí" max {items * 5} {{')
    out += body
    out.append("}")
    out += ["grades {", '  grade dat "Đạt" { band from 0; }', "}"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return planted


# ---------------------------------------------------------------- timing children


#: the children's environment: their modules' bytecode cached (in the run's folder, set by :func:`run`), as
#: an installed package has it (pip compiles it on install), even where PYTHONDONTWRITEBYTECODE is set
CHILD_ENV: dict[str, str] = dict(os.environ)


def child(argv: list[str]) -> tuple[float, float, int, int]:
    """Run ``argv``: (wall seconds, CPU seconds, peak resident KiB, exit status) of that child alone."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode


def partyrules_score(rules: str, source: Path, target: Path, *more: str) -> list[str]:
    return [sys.executable, "-m", "partyrules", "score", rules, str(source), "-o", str(target), "--no-progress", *more]


def hand_score(sheet: str, source: Path, target: Path) -> list[str]:
    return [sys.executable, __file__, "--handwritten", sheet, str(source), str(target)]


def best(runs: list[tuple[float, float, int, int]]) -> tuple[float, float, int]:
    for run in runs:
        if run[3] not in (0, 1):
            sys.exit(f"error: a child failed with status {run[3]}")
    return min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs)


def interleaved(candidates: dict[str, list[str]], repeats: int) -> Iterator[tuple[str, tuple[float, float, int, int]]]:
    names = list(candidates)
    for repeat in range(repeats):
        order = names[repeat % len(names) :] + names[: repeat % len(names)]
        for name in order:
            yield name, child(candidates[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory", default="1000,100000,1000000", help="row counts for the peak-memory runs")
    parser.add_argument("--check-lines", type=int, default=20_000)
    parser.add_argument("--folder", help="where to write the files (default: a temporary folder)")
    parser.add_argument("--handwritten", nargs=3, metavar=("SHEET", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.handwritten:
        handwritten(*args.handwritten)
        return
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, folder: Path) -> None:
    sheets = {
        "4 tốt": ("vn.hatinh/chi-bo-4-tot", "4tot", four_good_file),
        "meeting (rates)": (str(HERE / "meeting-rates.criteria"), "meeting", meeting_file),
    }
    CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(folder / "bytecode")
    # compiled rulesets kept in the run's own folder; the untimed first run of each sheet fills it
    CHILD_ENV["PARTYRULES_CACHE_DIR"] = str(folder / "rulesets")
    rows: list[list[str]] = []
    ratios = []
    for title, (rules, key, make) in sheets.items():
        data = folder / f"{key}-{args.rows}.csv"
        make(data, args.rows)
        candidates = {
            "partyrules": partyrules_score(rules, data, folder / "p.csv"),
            "no cache": partyrules_score(rules, data, folder / "n.csv", "--no-cache"),
            "hand": hand_score(key, data, folder / "h.csv"),
        }
        warm = folder / f"{key}-warm.csv"
        make(warm, 10)
        for argv in (partyrules_score(rules, warm, folder / "p.csv"), hand_score(key, warm, folder / "h.csv")):
            child(argv)  # a first run writes the bytecode: not timed
        warm.unlink()
        found: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name in candidates}
        for name, measured in interleaved(candidates, args.repeats):
            found[name].append(measured)
        if (folder / "p.csv").read_bytes() != (folder / "n.csv").read_bytes():
            sys.exit(f"error: {title}: the ruleset from the cache wrote other results than a fresh load")
        h_wall, h_cpu, h_rss = best(found["hand"])
        for name, shown in (("partyrules", "partyrules score"), ("no cache", "the same, --no-cache")):
            p_wall, p_cpu, p_rss = best(found[name])
            if name == "partyrules":
                ratios.append(p_cpu / h_cpu)
            rows.append(
                [
                    title,
                    shown,
                    f"{args.rows:,}",
                    f"{p_wall:.2f} s / {p_cpu:.2f} s",
                    f"{h_wall:.2f} s / {h_cpu:.2f} s",
                    f"{p_wall / h_wall:.2f}× / {p_cpu / h_cpu:.2f}×",
                    f"{p_rss / 1024:.0f} / {h_rss / 1024:.0f} MiB",
                ]
            )
        data.unlink()
    header = [
        "sheet",
        "command",
        "rows",
        "partyrules wall / CPU",
        "hand-written wall / CPU",
        "ratio wall / CPU",
        "peak RSS",
    ]
    print(table(header, rows))

    memory_rows = []
    first = None
    for count in (int(n) for n in args.memory.split(",")):
        data = folder / f"4tot-{count}.csv"
        four_good_file(data, count)
        wall, cpu, rss, status = child(partyrules_score("vn.hatinh/chi-bo-4-tot", data, folder / "m.csv"))
        if status not in (0, 1):
            sys.exit(f"error: partyrules score failed on {count} rows")
        first = rss if first is None else first
        memory_rows.append([f"{count:,}", f"{rss / 1024:.1f} MiB", f"{(rss - first) / 1024:+.1f} MiB", f"{wall:.1f} s"])
        data.unlink()
        (folder / "m.csv").unlink()
    print()
    print(table(["4 tốt rows", "peak RSS (ru_maxrss)", "over the first", "wall"], memory_rows))

    criteria = folder / "long.criteria"
    planted = check_file(criteria, args.check_lines)
    lines = criteria.read_text(encoding="utf-8").count("\n")
    checks = [child([sys.executable, "-m", "partyrules", "check", str(criteria)]) for _ in range(args.repeats)]
    problems = subprocess.run(
        [sys.executable, "-m", "partyrules", "check", "--format", "json", str(criteria)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.count('"code"')
    wall, cpu, _ = best([(w, c, r, 1 if s == 1 else s) for w, c, r, s in checks])
    print()
    print(
        table(
            ["check", "lines", "problems (planted)", "wall / CPU"],
            [["partyrules check", f"{lines:,}", f"{problems:,} ({planted:,})", f"{wall:.2f} s / {cpu:.2f} s"]],
        )
    )
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"score_ratio_vs_handwritten={max(ratios):.2f}")


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in [header, *rows]]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
