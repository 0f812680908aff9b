"""Scoring on a Dask cluster of worker processes: docs/batch.md run as written, and partyrules.distributed.

The results must be the single-process results, byte for byte once serialised, in the same order.
"""

from __future__ import annotations

import collections
import csv
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import partyrules
from partyrules import serialize
from partyrules.distributed import evaluate_on
from partyrules.runtime import RowError
from shipped_cache import shipped

if TYPE_CHECKING:  # dask is imported by the recipe, when the test runs: not by every xdist worker that collects
    from dask.distributed import Client

ROOT = Path(__file__).resolve().parents[1]
BATCH = ROOT / "docs" / "batch.md"
PYTHON = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
RULESET = "vn.hatinh/chi-bo-4-tot"


def shipped_rows() -> Iterator[dict[str, Any]]:
    """The shipped cells as the CLI reads them: text facts, empty cells absent, the id under `cell_id`."""
    ruleset = shipped(RULESET)
    inputs = {spec.name for spec in ruleset.inputs}
    with partyrules.data_path("hatinh-cells-2024.csv").open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            yield {k: v for k, v in record.items() if k == "cell_id" or (k in inputs and v)}


def outcome(result: partyrules.Evaluation | RowError) -> str:
    """A result as bytes to compare: the serialised evaluation, or everything an error says."""
    if isinstance(result, RowError):
        return f"error {result.number} {result.id} {result.problems!r} {result}"
    return serialize.dumps(result)


@pytest.fixture(scope="module")
def recipe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The namespace of docs/batch.md run as written, its cluster still up; the last block closes it.

    One cluster for the whole module: starting worker processes is most of the time here.
    """
    blocks = PYTHON.findall(BATCH.read_text(encoding="utf-8"))
    assert len(blocks) == 7 and "client.close()" in blocks[-1]
    namespace: dict[str, Any] = {"__name__": "__main__"}
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("recipe")
        patch.chdir(folder)  # the recipe writes results.jsonl in the working folder
        try:
            for block in blocks[:-1]:
                exec(compile(block, str(BATCH), "exec"), namespace)
            namespace["folder"] = folder
            yield namespace
        finally:
            exec(compile(blocks[-1], str(BATCH), "exec"), namespace)


@pytest.fixture
def client(recipe: dict[str, Any]) -> Client:
    client: Client = recipe["client"]
    return client


def test_batch_docs_run_and_agree_with_one_process(recipe: dict[str, Any]) -> None:
    ruleset = shipped(RULESET)
    single = list(ruleset.evaluate_many(shipped_rows(), id_key="cell_id", start=2))
    assert len(single) == 4131 and all(isinstance(r, partyrules.Evaluation) for r in single)
    expected = [serialize.dumps(r) for r in single]  # type: ignore[arg-type]
    # one process, then a pool of two, then the cluster: the same results in the same order
    assert sum(recipe["grades"].values()) == 4131 and recipe["problems"] == []
    assert recipe["grades"] == collections.Counter(r.grade for r in single)  # type: ignore[union-attr]
    assert recipe["by_columns"] == recipe["grades"]  # the same file read as csv.reader's records, columns=
    assert recipe["lines"] == expected
    assert (recipe["folder"] / "results.jsonl").read_bytes() == "".join(line + "\n" for line in expected).encode()
    counts = collections.Counter((r.facts["district"], r.grade) for r in single)  # type: ignore[union-attr]
    assert recipe["by_district"] == dict(counts)
    assert recipe["by_district"][("huong_khe", "bon_tot")] == counts[("huong_khe", "bon_tot")] > 0


def test_the_recipe_cluster_runs_worker_processes(client: Client) -> None:
    info = client.scheduler_info()
    assert len(info["workers"]) == 2
    assert all(worker["nthreads"] == 1 for worker in info["workers"].values())
    assert len(set(client.run(os.getpid).values()) | {os.getpid()}) == 3


def test_cluster_results_and_errors_are_those_of_one_process(client: Client) -> None:
    ruleset = shipped(RULESET)
    rows = list(itertools.islice(shipped_rows(), 700))
    rows[0] = dict(rows[0], members="many")
    rows[333] = dict(rows[333], attendance_rate=0.9, unknown="x")
    del rows[699]["meetings_good"]
    single = [outcome(r) for r in ruleset.evaluate_many(rows, id_key="cell_id", start=2)]
    on_cluster = [
        outcome(r) for r in evaluate_on(client, ruleset, iter(rows), id_key="cell_id", start=2, chunk_size=64)
    ]
    assert on_cluster == single
    errors = [line for line in single if line.startswith("error")]
    assert [line.split()[1:3] for line in errors] == [
        ["2", rows[0]["cell_id"]],
        ["335", rows[333]["cell_id"]],
        ["701", rows[699]["cell_id"]],
    ]
    assert "attendance_rate: 0.9 is a float" in errors[1] and "unknown: is not an input" in errors[1]


def test_cluster_scores_rows_as_sequences_as_one_process(client: Client) -> None:
    ruleset = shipped(RULESET)
    mappings = list(itertools.islice(shipped_rows(), 200))
    columns = list(mappings[0])
    rows: list[Any] = [tuple(row[c] for c in columns) for row in mappings]
    rows[5] = rows[5][:-1]  # a value short: refused alone, in its place
    rows[9] = (*rows[9][:1], "many", *rows[9][2:])
    single = [outcome(r) for r in ruleset.evaluate_many(rows, id_key="cell_id", start=2, columns=columns)]
    on_cluster = [
        outcome(r)
        for r in evaluate_on(client, ruleset, iter(rows), id_key="cell_id", start=2, chunk_size=64, columns=columns)
    ]
    assert on_cluster == single
    assert [line.split()[1] for line in single if line.startswith("error")] == ["7", "11"]
    with pytest.raises(ValueError, match="are not inputs"):
        next(evaluate_on(client, ruleset, iter(rows), columns=["nothing"]))


def test_cluster_results_share_this_process_layout(client: Client) -> None:
    ruleset = shipped(RULESET)
    results = list(evaluate_on(client, ruleset, itertools.islice(shipped_rows(), 10), id_key="cell_id", chunk_size=3))
    assert len(results) == 10
    assert all(isinstance(r, partyrules.Evaluation) and r.layout is ruleset.layout for r in results)
    assert (
        results[0].explain()
        == ruleset.evaluate({k: v for k, v in next(shipped_rows()).items() if k != "cell_id"}).explain()
    )


def test_cluster_reads_rows_lazily(client: Client) -> None:
    ruleset = shipped(RULESET)
    first = next(shipped_rows())
    read = 0

    def endless() -> Iterator[dict[str, Any]]:
        nonlocal read
        while True:
            read += 1
            yield first

    results = evaluate_on(client, ruleset, endless(), id_key="cell_id", chunk_size=5, in_flight=2)
    taken = list(itertools.islice(results, 12))
    results.close()  # type: ignore[attr-defined]
    assert len(taken) == 12 and all(isinstance(r, partyrules.Evaluation) for r in taken)
    assert read <= 12 + 2 * 5 + 1  # the results taken, the chunks in flight, one row looked at
