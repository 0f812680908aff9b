"""The batch loop of a compiled program: ``many(rows, key, number, row_error, ordered=False)``, the
program's body written again inside one loop over rows (what ``Ruleset.evaluate_many`` and
``partyrules score`` run), yielding a result per row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from partyrules import runtime as rt
from partyrules.compiler.expressions import EXTRA, OWN_FACTS

if TYPE_CHECKING:
    from partyrules.compiler.program import _Writer

#: the body was written two levels deep; in the loop it runs three levels deep
INDENT = "    "


def batch_loop(writer: _Writer, body: list[str], facts_end: int, trapped: bool) -> list[str]:
    """``many(rows, key, number, row_error, ordered=False)``: the program's ``body`` (whose first
    ``facts_end`` lines read the facts by name) in a loop over rows, yielding a result per row.

    One call for a whole batch instead of one per row (a call of ``program`` sets up a frame
    with every constant of the ruleset), and the row's id column is not copied away: when a
    row holds ``key`` the tests count one key more, and only the slow path, which names every
    unknown key, gets the facts without it. A FactsError becomes ``row_error(exc, number,
    row)`` and the others go on. The Inexact trap is armed and disarmed around each row, never
    held across a ``yield``: the caller's code runs between rows.

    ``ordered``: each row is a tuple of the facts in the inputs' order, ``MISSING`` where a fact is
    not given (a data file's row, read by its columns: no dict built, no name looked up); see
    :func:`ordered_reading`.
    """
    returns = [i for i, line in enumerate(body) if line.lstrip().startswith("return ")]
    assert len(returns) == 1 and returns[0] == len(body) - 1, "the body ends in its only return"
    names = writer.const(tuple(spec.name for spec in writer.model.inputs))
    out = [
        "def many(rows, key, number, row_error, ordered=False):",
        "    for row in rows:",
        "        facts = row",
        "        number += 1",
        "        extra = 0",
        "        if key is not None:",
        "            if type(facts) is dict:",
        "                if key in facts: extra = 1",
        "            elif isinstance(facts, Mapping) and key in facts:",
        "                facts = without_key(facts, key)",
    ]
    if trapped:
        out += [
            "        traps = getcontext().traps",
            "        armed = not traps[Inexact]",
            "        if armed: traps[Inexact] = True",
        ]
    out.append("        try:")
    reading = [
        INDENT + line.replace(EXTRA, " + extra").replace(OWN_FACTS, "(without_key(facts, key) if extra else facts)")
        for line in body[:-1]
    ]
    out += ordered_reading(writer, reading, facts_end, names)
    out.append(INDENT + body[-1].replace("return ", "result = ", 1))
    out += [
        "        except FactsError as exc:",
        "            result = row_error(exc, number, row)",
        "        except DecimalException:",
        f"            if ordered and type(facts) is tuple: facts = ordered_facts({names}, row)",
        "            try:",
        "                result = retry_exactly(program, without_key(facts, key) if extra else facts)",
        "            except FactsError as exc:",
        "                result = row_error(exc, number, row)",
    ]
    if trapped:
        out += ["        finally:", "            if armed: traps[Inexact] = False"]
    out.append("        yield result")
    return out


def ordered_reading(writer: _Writer, reading: list[str], facts_end: int, names: str) -> list[str]:
    """The loop's body before its result, with a row in order read first: its facts unpacked (an absent
    one takes its default) and given the program's inline test (without the count of keys: a row in
    order has no other). A row that fails the test becomes the mapping of its given facts
    (``ordered_facts``) and takes the path of any other mapping, which names every problem as it does
    for that mapping. A large program reads its facts in one call (fetch_facts): a row in order is
    made a mapping first."""
    specs = writer.model.inputs
    if writer.ordered_test is None or writer.large or not specs:
        return [f"            if ordered: facts = ordered_facts({names}, row)", *reading]
    unpacked = "".join(f"x{k}, " for k in range(len(specs)))
    out = ["            fast = False", "            if ordered:", f"                {unpacked}= row"]
    for k, spec in enumerate(specs):
        default = writer.fact_spec(spec).default
        if default is not rt.MISSING:
            out.append(f"                if x{k} is MISSING: x{k} = {writer.const(default)}")
    out += [
        "                try:",
        "                    " + writer.ordered_test,
        "                except (InvalidOperation, Inexact):",
        "                    fast = False",
        f"                if not fast: facts = ordered_facts({names}, row)",
        "            if not fast:",
    ]
    # the lines that read the facts by name, for a row by name or one in order that failed the test
    return out + [INDENT + line for line in reading[:facts_end]] + reading[facts_end:]
