"""Scoring on a Dask cluster: a province or the whole country, in input order, memory flat.

Needs the optional extra ``pip install 'partyrules[dask]'``. Dask is imported by
the caller (who makes the :class:`distributed.Client`), never by this module, so
``import partyrules.distributed`` works without it. See ``docs/batch.md``.

The ruleset reaches the workers pickled, once per worker (it is compiled again
there); chunks of rows go out and only the values of the results come back:
each evaluation gets this process's own layout again, so the results are the
same objects, byte for byte once serialised, as :meth:`Ruleset.evaluate_many`
gives in one process.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from partyrules.runtime import Evaluation, RowError, Ruleset, attach_layout, checked_columns, chunks, score_raw


def evaluate_on(
    client: Any,
    ruleset: Ruleset,
    rows: Iterable[Mapping[str, Any]] | Iterable[Sequence[Any]],
    *,
    id_key: str | None = "id",
    start: int = 1,
    chunk_size: int = 1000,
    in_flight: int | None = None,
    columns: Sequence[str | None] | None = None,
) -> Iterator[Evaluation | RowError]:
    """:meth:`Ruleset.evaluate_many` with the chunks scored by the workers of ``client`` (a ``distributed.Client``).

    Rows are read lazily, ``chunk_size`` at a time, and at most ``in_flight`` chunks are
    out at once (by default two per worker thread), so memory stays flat however many
    rows there are. Results come back in input order; a bad row gives a :class:`RowError`
    with its number (``start`` for the first row) and id, as in one process. ``columns``: rows are
    sequences of values in that order, as for :meth:`Ruleset.evaluate_many`.
    """
    if columns is not None:
        columns = checked_columns(ruleset, columns, id_key)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    if in_flight is None:
        in_flight = 2 * max(1, sum(client.nthreads().values()))
    elif in_flight < 1:
        raise ValueError(f"in_flight must be at least 1, not {in_flight}")
    # one copy on every worker: each task then uses the worker's unpickled ruleset
    remote = client.scatter(ruleset, broadcast=True, hash=False)
    pending: collections.deque[Any] = collections.deque()
    try:
        number = start
        for chunk in chunks(rows, chunk_size):
            pending.append(client.submit(score_raw, remote, chunk, id_key, number, columns, pure=False))
            number += len(chunk)
            if len(pending) >= in_flight:
                yield from attach_layout(ruleset, pending.popleft().result())
        while pending:
            yield from attach_layout(ruleset, pending.popleft().result())
    finally:
        # a consumer that stops early leaves nothing running on the cluster
        if pending:
            client.cancel(list(pending))
        client.cancel([remote])


def score_partition(
    rows: Iterable[Mapping[str, Any]], ruleset: Ruleset, id_key: str | None = "id"
) -> list[Evaluation | RowError]:
    """Every result of one partition, for ``dask.bag.Bag.map_partitions`` (rows numbered from 1 in each partition)."""
    return list(ruleset.evaluate_many(rows, id_key=id_key))
