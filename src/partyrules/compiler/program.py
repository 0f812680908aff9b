"""Compiling: a checked :class:`~partyrules.model.Model` to a fast, exact Python program.

Like Jinja, the compiler writes Python source and compiles it once. No text of
the criteria file ever becomes code: identifiers become numbered local
variables (``x3``, ``p7``) and every literal, name and label is passed in as a
constant of the program's namespace. The generated function validates the
facts (common cases inline, the rest through :mod:`partyrules.runtime`),
computes every value in dependency order and returns one flat tuple that an
:class:`~partyrules.runtime.Evaluation` wraps. The same body is written a second
time inside one loop over rows, the batch that ``Ruleset.evaluate_many`` runs.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from partyrules import nodes as n, runtime as rt
from partyrules.compiler import rates
from partyrules.compiler.expressions import (
    DISPLAY_ITEMS,
    EXTRA,
    FAST_TYPES,
    MAX_TOTAL_TABLE,
    OWN_FACTS,
    NoFixedPoint,
    Writer,
    decimal_or_none,
    names_in,
    percent_units,
)
from partyrules.compiler.loop import batch_loop
from partyrules.facts import FACT_MAGNITUDE
from partyrules.model import Model
from partyrules.printer import expr_text, number_text

#: Past this many inputs, criteria and named values, a ruleset is large: its program is written once,
#: in the batch loop, and its facts are read from text before one inline test, not after a first one
#: (see _Writer.program). The benchmark sheets have 19 to 34; 1,000 generated criteria 1,700.
LARGE_MODEL = 400

#: Past this many terms a sum, a chain of grades or of display tuples is written flat: CPython's
#: compiler recurses once per operator of `p0 + p1 + ...`, and 2,500 of them overflow it (RecursionError).
FLAT_FROM = 32


def added(terms: list[str]) -> str:
    """The sum of the terms as Python text: ``a + b + c``, or for many, ``sum((b, c, ...), a)``, which adds
    them in the same order (the same result, exactly) without nesting."""
    if not terms:
        return "0"
    if len(terms) <= FLAT_FROM:
        return " + ".join(terms)
    return f"sum(({', '.join(terms[1:])},), {terms[0]})"


def tuple_display(items: list[str]) -> str:
    """Python text of the tuple of ``items``, as few tuple displays as CPython builds fastest."""
    # CPython compiles a tuple display of more than 30 items (its STACK_USE_GUIDELINE) into a
    # list grown item by item, about three times slower than one BUILD_TUPLE: join short ones, of
    # even sizes (31 items as 16 + 15 builds about 40 % faster than 30 + 1, which copies 30 items again)
    size = -(-len(items) // -(-len(items) // DISPLAY_ITEMS)) if items else DISPLAY_ITEMS
    displays = [items[i : i + size] for i in range(0, len(items), size)]
    if len(displays) > FLAT_FROM:  # a chain of thousands of `+` overflows the compiler: one starred display
        return "(" + ", ".join(f"*({', '.join(display)},)" for display in displays) + ")"
    return " + ".join(f"({', '.join(display)},)" for display in displays)


#: Value lines (one statement each) of one function a large program's values are computed in (see chunked).
CHUNK_LINES = 200
#: the names generated code gives values (x3, p7, l2d, qn0, t5 ...), and any lowercase name with a digit
_VALUE_NAME = re.compile(r"[a-z]+[0-9]+d?")
#: names of that form, one a line (or none)
_VALUE_NAMES = re.compile(r"[a-z]+[0-9]+d?(?:\n[a-z]+[0-9]+d?)*|")
_NAME_WITH_DIGIT = re.compile(r"\b[a-z_][a-z_]*[0-9][a-z_0-9]*\b")
_TARGET = re.compile(r"^ *([a-z_][a-z_0-9]*) = |\(([a-z_][a-z_0-9]*) := ", re.MULTILINE)


def chunked(lines: list[str], start: int, end: int, depth: int) -> tuple[list[str], list[str]]:
    """``lines`` with the values ``lines[start:end]`` computed in functions of CHUNK_LINES lines each, and
    those functions' source: each takes the values it reads and returns those read after it.

    Python's compile() of one function costs more than linear in its length (its blocks): 10,000
    criteria in one function took 14 times as long as 1,000. Each value line is one statement that
    defines one name (and its walrus temporaries) from names defined before it; any other shape, or
    a name of another form, and nothing is moved.
    """
    block = lines[start:end]
    if len(block) <= CHUNK_LINES:
        return lines, []
    defined: list[set[str]] = []
    read: list[set[str]] = []
    pieces = [block[i : i + CHUNK_LINES] for i in range(0, len(block), CHUNK_LINES)]
    for piece in pieces:
        # (each regular expression run once over the piece's text: a search per line costs more than the match)
        text = "\n".join(piece)
        names = {first or second for first, second in _TARGET.findall(text)}
        used = set(_NAME_WITH_DIGIT.findall(text))
        if not _VALUE_NAMES.fullmatch("\n".join(names | used)) or any(
            line[: 4 * depth].strip() or line[4 * depth] == " " or "\n" in line for line in piece
        ):
            return lines, []  # not the shape this was written for: leave the program as it is
        defined.append(names)
        read.append(used - names)
    needed = set(_NAME_WITH_DIGIT.findall("\n".join(lines[end:])))
    order = {name: _natural(name) for names in defined + read for name in names}.__getitem__
    returns: list[list[str]] = [[] for _ in pieces]
    for i in reversed(range(len(pieces))):
        returns[i] = sorted(defined[i] & needed, key=order)
        needed |= read[i]
    calls, functions = [], []
    for i, piece in enumerate(pieces):
        params = ", ".join(sorted(read[i], key=order))
        out = ", ".join(returns[i])
        functions.append(f"def values{i}({params}):")
        functions += ["    " + line[4 * depth :] for line in piece]
        functions.append(f"    return {out}," if out else "    return None")
        call = f"values{i}({params})"
        calls.append("    " * depth + (f"{out}, = {call}" if out else call))
    return lines[:start] + calls + lines[end:], functions


_NUMBERED = re.compile(r"([a-z]+)([0-9]+)(d?)")


def _natural(name: str) -> tuple[str, int, str]:
    """x2 before x10: names in the order they were numbered."""
    match = _NUMBERED.fullmatch(name)
    assert match is not None
    letters, number, denominator = match.groups()
    return letters, int(number), denominator


class _Writer(Writer):
    """The whole program: facts checked, values in dependency order, totals, grades, and the batch loop."""

    # -- the program
    #: write the body once, in the batch loop (True), twice (False), or by the model's size (None: see LARGE_MODEL)
    once: bool | None = None
    #: the source of the functions a large program calls (its fact tests and values in short functions)
    functions: list[str]
    #: the inline test of every fact of a row given in the inputs' order (None: no such test; see batch)
    ordered_test: str | None
    #: where the lines that read the facts by name end (the levels given by name are read after them)
    levels_at: int

    @property
    def large(self) -> bool:
        """Whether the program is written once, in the batch loop (see LARGE_MODEL)."""
        if self.once is not None:
            return self.once
        return len(self.model.inputs) + len(self.all) + len(self.model.lets) > LARGE_MODEL

    def program(self) -> str:
        """The source of ``program(facts)`` and, after it, of the batch loop ``many(rows, ...)``."""
        self.functions = []
        self.emit("def program(facts):", 0)
        prologue = len(self.lines)  # the Inexact trap goes here if any Decimal arithmetic is emitted
        self.emit("try:")
        self.depth = 2
        body = len(self.lines)
        # facts: one inline test of the common case for all inputs at once; anything else
        # (absent, text, out of range, unknown names) goes to the slow path, which names every problem
        specs = [self.fact_spec(spec) for spec in self.model.inputs]
        self.ordered_test = None
        self.read_facts(specs)
        self.test_facts(specs)
        facts_end = self.levels_at - body  # the lines that read the facts by name end here, in body_lines
        prelude = len(self.lines)  # the integer ratios of Decimal inputs that quotients read go here
        self.constraints()
        values = len(self.lines)
        for kind, name in self.model.order:
            self.value(kind, name)
        values_end = len(self.lines)
        self.totals()
        self.grading()
        self.emit(f"return new_evaluation(Evaluation, {self.evaluation_display()})")
        if self.large:
            self.lines, self.functions[len(self.functions) :] = chunked(self.lines, values, values_end, self.depth)
        self.lines[prelude:prelude] = [
            "    " * self.depth + line for k in sorted(self.ratios) for line in self.ratio(k)
        ]
        body_lines = self.lines[body:]
        self.depth = 1
        self.emit("except DecimalException:")  # Inexact, or a signal the caller's context traps
        self.emit("return retry_exactly(program, facts)", 2)
        # Decimal + - * are exact while the context has digits enough; trapping Inexact proves it
        # on every run (about 80 ns) instead of assuming it, and a run that needs more digits is
        # repeated. A program whose arithmetic is all on ints (fixed point) needs no trap.
        trapped = self.scale is None or self.decimal_arithmetic
        if trapped:
            self.lines[prologue:prologue] = [
                "    traps = getcontext().traps",
                "    armed = not traps[Inexact]",
                "    if armed: traps[Inexact] = True",
            ]
            self.emit("finally:")
            self.emit("if armed: traps[Inexact] = False", 2)
        if self.large:
            # the body once, in the batch loop, and ``program`` a batch of one row: Python's compile()
            # of a large function costs more than linear in its length (about 0.16 s for the 3,600
            # lines of 1,000 criteria, each written twice), and a ruleset this large spends far
            # longer in its rules than in the generator a single evaluation sets up
            single = [
                "def program(facts):",
                "    for result in many((facts,), None, 0, raise_row_error):",
                "        return result",
            ]
        else:
            single = [line.replace(EXTRA, "").replace(OWN_FACTS, "facts") for line in self.lines]
        return "\n".join(self.functions + single + batch_loop(self, body_lines, facts_end, trapped)) + "\n"

    def ratio(self, k: int) -> list[str]:
        """The lines that read Decimal input k as integers, once its fact is checked."""
        places = self.model.inputs[k].places
        if k in self.tabled and places is not None:
            # the fast test found its text in the table (s9, bound there) unless the slow path checked it
            return [f"u{k} = T{k}[s{k}] if fast else scaled_fact(x{k}, {places})"]
        if k in self.tabled:
            return [
                f"if fast and s{k} in T{k}: qn{k} = T{k}[s{k}]; qd{k} = {10 ** self.tabled[k]}",
                f"else: qn{k}, qd{k} = x{k}.as_integer_ratio()",
            ]
        if k in self.prefetch:
            return [f"qn{k}, qd{k} = q{k} if fast else x{k}.as_integer_ratio()"]
        return [f"qn{k}, qd{k} = x{k}.as_integer_ratio()"]

    def read_facts(self, specs: list[rt.FactSpec]) -> None:
        """The facts into x0, x1 ...: one C-level lookup when all are given, else one by one with defaults."""
        optional = any(fact.default is not rt.MISSING for fact in specs)
        names = ", ".join(f"x{k}" for k in range(len(specs)))
        if specs and self.large:
            # one call for thousands of facts (each default where absent), not lines of them: see LARGE_MODEL
            keys = self.const(tuple(fact.name for fact in specs))
            defaults = self.const(tuple(fact.default for fact in specs))
            kinds = self.const(tuple(fact.kind if fact.kind in rt.TEXT_KINDS else None for fact in specs))
            self.emit(f"{names}, = fetch_facts(facts, {keys}, {defaults}, {kinds})")
        elif specs:
            # all facts given: one C-level lookup; some absent: one by one, with defaults (a failed
            # lookup raises KeyError, which costs more than the gets: only try when the count fits)
            self.emit(f"complete = True if (type(facts) is dict and len(facts) == {len(specs)}{EXTRA}) else False")
            self.emit("if complete:")
            self.emit("try:", 2)
            getter = self.const(operator.itemgetter(*[f.name for f in specs]))
            self.emit(
                f"{names}, = {getter}(facts)" if len(specs) > 1 else f"x0 = facts[{self.const(specs[0].name)}]", 3
            )
            self.emit("except KeyError:", 2)
            self.emit("complete = False", 3)
            if optional:
                self.emit("absent = 0")
            self.emit("if not complete:")
            self.emit("if type(facts) is not dict and not isinstance(facts, Mapping): not_a_mapping(facts)", 2)
            # the required inputs at once (one C-level call, as above), then each optional one
            required = [k for k, fact in enumerate(specs) if fact.default is rt.MISSING]
            if required and optional:
                got = ", ".join(f"x{k}" for k in required)
                getter = self.const(operator.itemgetter(*[specs[k].name for k in required]))
                self.emit("try:", 2)
                self.emit(
                    f"{got}, = {getter}(facts)"
                    if len(required) > 1
                    else f"{got} = facts[{self.const(specs[required[0]].name)}]",
                    3,
                )
                self.emit("except KeyError:", 2)
                self.depth += 1
            self.emit("get = facts.get", 2)
            for k in required:
                self.emit(f"x{k} = get({self.const(specs[k].name)}, MISSING)", 2)
            if required and optional:
                self.depth -= 1
            for k, fact in enumerate(specs):
                if fact.default is not rt.MISSING:
                    # a test and a subscript, both single instructions, cost less than a call of get()
                    key = self.const(fact.name)
                    self.emit(f"if {key} in facts: x{k} = facts[{key}]", 2)
                    self.emit(f"else: x{k} = {self.const(fact.default)}; absent += 1", 2)

    def test_facts(self, specs: list[rt.FactSpec]) -> None:
        """The inline test of every fact at once; the slow path (check_facts) when it fails."""
        optional = any(fact.default is not rt.MISSING for fact in specs)
        names = ", ".join(f"x{k}" for k in range(len(specs)))
        if specs:
            # every key of the facts is an input exactly when the inputs found number len(facts)
            # (a required input that is absent fails its own test)
            tests = [f"({self.fast_test(k, fact)})" for k, fact in enumerate(specs)]
            known = self.const(frozenset(spec.name for spec in specs))
            if self.large:  # no count of absent facts (fetch_facts): no key of the facts but the inputs (and the id)
                tests.append(f"len(facts.keys() - {known}) == 0{EXTRA}")
            else:
                tests.append(f"len(facts) {'+ absent ' if optional else ''}== {len(specs)}{EXTRA}")
            slow = f"{names}, = check_facts({self.const(tuple(specs))}, {OWN_FACTS}, {known})"
            read = [(k, fact.kind) for k, fact in enumerate(specs) if fact.kind in rt.TEXT_KINDS]
            if self.large and not any(":=" in test for test in tests):
                # one test, after fetch_facts read the text facts, in functions of CHUNK_LINES facts
                # each: a test of thousands of facts written once, in short functions (see LARGE_MODEL)
                calls = []
                for i in range(0, len(specs), CHUNK_LINES):
                    params = ", ".join(f"x{k}" for k in range(i, min(i + CHUNK_LINES, len(specs))))
                    self.functions.append(f"def facts{i}({params}):")
                    self.functions.append(
                        "    return True if ("
                        + "\n        and ".join(tests[i : min(i + CHUNK_LINES, len(specs))])
                        + ") else False"
                    )
                    calls.append(f"facts{i}({params})")
                self.emit_fast_test("fast = True if (" + " and ".join([*calls, tests[-1]]) + ") else False", 1)
                self.emit("if not fast:")
                self.emit(slow, 2)
                self.levels_at = len(self.lines)
                self.levels(specs)
                return
            self.emit_fast_test(self.fact_test(tests, texts_read=False), 1)
            # a row of facts in the inputs' order (see batch) has no other key: the test without the count
            self.ordered_test = self.fact_test(tests[:-1], texts_read=False)
            self.emit("if not fast:")
            # text (a data file's "95", "87.5", "true"): each text fact read on its own, through the
            # reader of its kind (each distinct text read once per process), and the same test again;
            # only facts that still fail it take the slow path, which names every problem
            self.read_texts(read, 2)
            if read:
                self.emit_fast_test(self.fact_test(tests, texts_read=True), 2)
                self.emit("if not fast:", 2)
                self.emit(slow, 3)
            else:
                self.emit(slow, 2)
            self.levels_at = len(self.lines)
            self.levels(specs)
        else:
            self.emit(f"if facts: check_facts((), {OWN_FACTS})")
            self.levels_at = len(self.lines)

    def read_texts(self, read: list[tuple[int, str]], indent: int) -> None:
        """Each text fact read on its own, through the reader of its kind (each distinct text once per process)."""
        for k, kind in read:
            # a tabled fact's text is looked up in its table as it is ("6.37"), before str() of its Decimal
            text = f"s{k} = x{k}; " if k in self.tabled else ""
            # (a lookup before the call, in all but a large program, where shorter is faster to compile)
            reading = (
                f"read_{kind}(x{k})"
                if self.large
                else f"known_{kind}[x{k}] if x{k} in known_{kind} else read_{kind}(x{k})"
            )
            self.emit(f"if type(x{k}) is str: {text}x{k} = {reading}", indent)
            if k in self.tabled:
                self.emit(f'else: s{k} = ""', indent)

    def fact_test(self, tests: list[str], texts_read: bool) -> str:
        """The statement of the inline test of every fact; once texts are read, a tabled fact's text is looked up first."""
        if texts_read:
            tests = list(tests)
            for k in self.tabled:
                tests[k] = tests[k].replace(
                    f"(s{k} := str(x{k})) in T{k}", f"(s{k} in T{k} or (s{k} := str(x{k})) in T{k})"
                )
        return "fast = True if (" + "\n                and ".join(tests) + ") else False"

    def levels(self, specs: list[rt.FactSpec]) -> None:
        """Level facts given by a member's name, as its index."""
        for k, fact in enumerate(specs):
            if fact.kind == "level":
                index = self.const({m: i for i, m in enumerate(fact.members)})
                self.emit(f"if type(x{k}) is str: x{k} = {index}[x{k}]")

    def emit_fast_test(self, test: str, indent: int) -> None:
        # a NaN fails a Decimal comparison by raising InvalidOperation (cheaper than is_finite()),
        # and a declared `places` test on too long a Decimal rounds, which the armed trap turns into Inexact;
        # as the condition of an `if`, each comparison is followed by a jump, which CPython
        # specialises (a chain of `and` giving a value is not)
        self.emit("try:", indent)
        self.emit(test, indent + 1)
        self.emit("except (InvalidOperation, Inexact):", indent)
        self.emit("fast = False", indent + 1)

    def constraints(self) -> None:
        """Cross-input constraints: one test when all hold, each named when one fails."""
        if self.model.constraints:
            # one test when every constraint holds (no list per evaluation); when one fails, each
            # is tested again to name every one that failed (conditions are pure expressions)
            held = " and ".join(f"{self.expr(c.condition)}" for c in self.model.constraints)
            self.emit(f"if not ({held}):")
            self.emit("problems = []", 2)
        for constraint in self.model.constraints:
            used = sorted(
                {
                    r.target
                    for node in names_in(constraint.condition)
                    if (r := self.resolution(node)).kind == "input" and r.target
                }
            )
            label = self.const(", ".join(str(x) for x in used) or "*")
            message = self.const(f"breaks the rule: {constraint.label}")
            self.emit(f"if not {self.expr(constraint.condition)}: problems.append(FactProblem({label}, {message}))", 2)
        if self.model.constraints:
            self.emit("raise FactsError(problems)", 2)

    def evaluation_display(self) -> str:
        """The evaluation as tuple displays: ``(LAYOUT, total, grade, x0, x1, ..., (rest))`` (see
        evaluation.Evaluation: the facts in slots of their own, every other value in one nested tuple)."""
        facts = list(self.inputs.values())
        parts = [f"p{k}" if c.maximum is not None else "None" for k, c in enumerate(self.all)]
        parts += [f"v{k}" for k, c in enumerate(self.model.criteria) if c.level is not None]
        parts += [f"a{k}" for k, c in enumerate(self.all) if c.applicable is not None]
        parts += ["crit", "ded", "bon", "total", "grade", "start"]
        parts += [f"r{k}" for k in range(self.requirement_count)]
        parts += [f"k{k}" for k in range(len(self.model.knockouts))]
        parts += [f"e{k}" for k in range(len(self.model.exemptions))]
        grade_ids = self.const(tuple(g.name for g in self.model.grades))
        grade_id = f"(None if grade is None else {grade_ids}[grade])"
        return tuple_display(["LAYOUT", self.total_decimal(), grade_id, *facts, f"({tuple_display(parts)})"])

    def total_decimal(self) -> str:
        """The total as a Decimal for the evaluation's first slot (read by nearly every caller)."""
        if self.scale is None:
            # Evaluation.total reads the slot as it is: a whole-number total held as an int is converted
            return "(total if type(total) is Decimal else Decimal(total))"
        low, high = self.model.total.low, self.model.total.high
        if low is not None and high is not None and (high - low) * self.factor <= MAX_TOTAL_TABLE:
            # every reachable total, converted once when compiling: an index instead of a conversion
            first = int(low * self.factor)
            count = int(high * self.factor) - first + 1
            table = tuple(Decimal(first + i).scaleb(-self.scale) for i in range(count))
            return f"{self.const(table)}[total - {first}]" if first else f"{self.const(table)}[total]"
        return f"Decimal(total).scaleb(-{self.scale}, EXACT)"  # never rounded by the caller's context

    def fact_spec(self, spec: Any) -> rt.FactSpec:
        """How the slow path checks one input, with bounds and default in run-time units."""
        kind = spec.type.kind
        low, high, default = spec.low, spec.high, spec.default if spec.has_default else rt.MISSING
        if kind == "percent":
            low, high = decimal_or_none(percent_units(low)), decimal_or_none(percent_units(high))
        if spec.has_default:
            if kind == "level":
                default = spec.type.members.index(default)
            elif kind == "integer":
                default = int(default)
            elif kind == "percent":
                default = decimal_or_none(percent_units(default))
            elif kind == "decimal":
                default = decimal_or_none(default)
        return rt.FactSpec(spec.name, kind, low, high, spec.places, default, spec.type.members)

    def fast_test(self, k: int, fact: rt.FactSpec) -> str:
        """An inline test that the common, already-exact form of a fact is valid."""
        x = f"x{k}"
        is_type = f"type({x}) is {FAST_TYPES[fact.kind].__name__} and "
        low, high = self.const(fact.low), self.const(fact.high)
        if fact.kind == "integer":
            lowest = low if fact.low is not None else f"-{self.const(int(FACT_MAGNITUDE) - 1)}"
            highest = high if fact.high is not None else self.const(int(FACT_MAGNITUDE) - 1)
            return f"{is_type}{lowest} <= {x} <= {highest}"
        if fact.kind in ("decimal", "percent"):
            if fact.low is None or fact.high is None:
                return "False"  # unbounded: the slow path also checks the size limit
            test = f"{is_type}{low} <= {x} <= {high}"
            if k in self.tabled:
                # its text in the table of every value in range: in range, places and all, in one lookup
                found = f"(s{k} := str({x})) in T{k}"
                return (
                    f"{is_type}{found}" if fact.places is not None else f"{is_type}({found} or {low} <= {x} <= {high})"
                )
            if fact.places is not None and k in self.prefetch:
                # its integer ratio is read anyway: a whole number of 10**-places exactly when the
                # ratio's (lowest) denominator divides 10**places; the ratio is kept for the rules
                test += f" and {10**fact.places} % (q{k} := {x}.as_integer_ratio())[1] == 0"
            elif fact.places is not None:
                test += f" and {x}.quantize({self.const(Decimal(1).scaleb(-fact.places))}) == {x}"
            return test
        if fact.kind == "boolean":
            return f"({x} is True or {x} is False)"
        if fact.kind == "enum":
            return f"{is_type}{x} in {self.const(frozenset(fact.members))}"
        if fact.kind == "level":
            return f"{is_type}{x} in {self.const({m: i for i, m in enumerate(fact.members)})}"
        if fact.kind == "date":
            if fact.low is not None and fact.high is not None:
                return f"{is_type}{low} <= {x} <= {high}"
            return f"type({x}) is date"
        raise AssertionError(fact.kind)  # pragma: no cover

    def value(self, kind: str, name: str) -> None:
        if kind == "let":
            value = self.model.lets[name].value
            if self.type_of(value).kind == "ratio" and self.rates:
                pair = rates.rational(self, value)
                if pair is not None:  # a named quotient: its numerator and its denominator
                    self.emit(f"{self.lets[name]} = {pair[0]}")
                    if pair[1] is not None:
                        self.emit(f"{self.lets[name]}d = {pair[1]}")
                    self.ratio_lets[name] = (self.lets[name], None if pair[1] is None else f"{self.lets[name]}d")
                    return
                self.fraction_sites.append((value, "a named quotient"))
            code = self.scaled(value) if name in self.scaled_lets else self.expr(value)
            self.emit(f"{self.lets[name]} = {code}")
            return
        k = self.index[name]
        c = self.all[k]
        if kind == "applicable":
            assert c.applicable is not None
            self.emit(f"a{k} = {self.expr(c.applicable.condition)}")
        elif kind == "points":
            if c.kind == "group":
                children = [f"p{self.index[ch]}" for ch in c.children if self.all[self.index[ch]].maximum is not None]
                self.emit(f"p{k} = {added(children)}")
            else:
                assert c.points is not None
                formula = self.scaled(c.points) if self.scale is not None else self.expr(c.points)
                if c.applicable is not None:
                    assert c.maximum is not None
                    full = self.points_const(c.maximum) if self.scale is not None else self.const(c.maximum)
                    otherwise = full if c.applicable.mode == "full" else "0"
                    formula = f"({formula} if a{k} else {otherwise})"
                self.emit(f"p{k} = {formula}")
        elif kind == "level":
            assert c.level is not None
            formula = self.expr(c.level)
            if c.applicable is not None:
                formula = f"({formula} if a{k} else None)"
            self.emit(f"v{k} = {formula}")

    def totals(self) -> None:
        model = self.model
        top = [f"p{self.index[c.name]}" for c in model.criteria if c.parent is None and c.maximum is not None]
        self.emit(f"crit = {added(top)}")
        rescaled = [c for c in model.criteria if c.applicable is not None and c.applicable.mode == "rescale"]
        if rescaled and model.criteria_maximum is not None:
            parts = added([f"(0 if a{self.index[c.name]} else {self.const(c.maximum)})" for c in rescaled])
            self.emit(f"na = {parts}")
            places = model.rescale_places or 0
            if self.rates:  # total * maximum / (maximum - dropped), rounded: in integers
                maximum = Fraction(model.criteria_maximum)
                self.emit(
                    f"if na: crit = rescale_total(crit, na, {maximum.numerator}, {maximum.denominator}, {places}) "
                    f"if na != {self.const(model.criteria_maximum)} else 0"
                )
                self.totals_rest()
                return
            first = rescaled[0].applicable
            assert first is not None
            self.fraction_sites.append((first.condition, "the rescaled total"))
            root = self.const(Fraction(model.criteria_maximum))
            self.emit(
                f"if na: crit = round_half_up(to_fraction(crit) * {root} / ({root} - to_fraction(na)), {places}) "
                f"if na != {root} else 0"
            )
        self.totals_rest()

    def totals_rest(self) -> None:
        """Deductions and bonuses under their caps, and the total."""
        model = self.model
        for label, infos, cap in (
            ("ded", model.deductions, model.deductions_cap),
            ("bon", model.bonuses, model.bonuses_cap),
        ):
            amounts = [f"p{self.index[c.name]}" for c in infos]
            if amounts and cap is not None:
                limit = self.points_const(cap) if self.scale is not None else self.const(cap)
                t = self.temp()
                self.emit(f"{label} = {t} if ({t} := {added(amounts)}) <= {limit} else {limit}")
            else:
                self.emit(f"{label} = 0")
        self.emit("total = crit - ded + bon")

    def grading(self) -> None:
        model = self.model
        grades = model.grades
        if grades and all(g.low is not None or g.high is not None for g in grades):
            lows = []
            for g in grades[:-1]:
                assert g.low is not None
                if self.scale is not None:
                    lows.append(self.points_const(g.low))
                    continue
                low = int(g.low) if self.whole and g.low == g.low.to_integral_value() else g.low
                lows.append(self.const(low))
            if len(lows) > FLAT_FROM:  # a chain of thousands of conditionals overflows the compiler: a loop
                self.emit(f"for start, low in enumerate(({', '.join(lows)},)):")
                self.emit("if total >= low: break", 2)
                self.emit(f"else: start = {len(grades) - 1}")
            else:
                chain = "".join(f"{i} if total >= {low} else " for i, low in enumerate(lows))
                self.emit(f"start = {chain}{len(grades) - 1}")
        else:
            self.emit("start = 0")
        self.emit("g = start")
        count = 0
        for i, g in enumerate(grades):
            names = []
            for req in g.requirements:
                self.emit(f"r{count} = {self.expr(req.condition)}")
                names.append(f"r{count}")
                count += 1
            if names:
                self.emit(f"if g == {i} and not ({' and '.join(names)}): g = {g.fallback}")
        self.requirement_count = count
        forced = False
        for k, rule in enumerate(model.knockouts):
            self.emit(f"k{k} = {self.expr(rule.condition)}")
        for k, rule in enumerate(model.knockouts):
            if rule.action == "force":
                if not forced:
                    self.emit("f = -1")
                    forced = True
                self.emit(f"if k{k} and f < {rule.grade}: f = {rule.grade}")
        if forced:
            self.emit("if f >= 0: g = f")
        for k, rule in enumerate(model.knockouts):
            if rule.action == "cap":
                self.emit(f"if k{k} and g < {rule.grade}: g = {rule.grade}")
        for k, rule in enumerate(model.exemptions):
            self.emit(f"e{k} = {self.expr(rule.condition)}")
        if model.exemptions:
            any_exempt = " or ".join(f"e{k}" for k in range(len(model.exemptions)))
            self.emit(f"grade = None if ({any_exempt}) else g")
        else:
            self.emit("grade = g")


#: Places of the table of a Decimal input read as integers that declares none (in its own units:
#: percent units for a percentage): 87.5 is found there, 87.25 takes as_integer_ratio() (a rate
#: from 0% to 100% in hundredths would be a table ten times the size, 1.3 MB).
TABLE_PLACES = 1


def scaled_table(spec: rt.FactSpec) -> tuple[int, int, int] | None:
    """(first, last, places) of the :func:`~partyrules.runtime.scaled_texts` table of a Decimal input
    read as integers, or None when its range is open or holds too many values."""
    if spec.low is None or spec.high is None:
        return None
    places = TABLE_PLACES if spec.places is None else spec.places
    first = math.ceil(Fraction(spec.low) * 10**places)
    last = math.floor(Fraction(spec.high) * 10**places)
    if last - first + 1 > rt.MAX_SCALED_TABLE or first > last:
        return None
    return first, last, places


@attrs.frozen
class Numbering:
    """How a ruleset's numbers are computed, and why: what ``partyrules check --explain`` tells the author.

    ``scale``: points as ints in units of 10**-scale (fixed point), or None: as Decimals, because of
    ``decimal_because`` (an expression fixed point cannot hold exactly, and why).
    ``fractions``: the expressions still computed with exact Fractions (a quotient no integer pair
    holds), each with what it is; empty when every quotient is computed in integers.
    """

    scale: int | None
    decimal_because: tuple[n.Expr, str] | None = None
    fractions: tuple[tuple[n.Expr, str], ...] = ()


def numbering_lines(numbering: Numbering, filename: str) -> list[str]:
    """What ``partyrules check --explain`` says of a ruleset's numbers: the numbering it compiled to
    and, with their positions, the expressions that decided it."""

    def where(node: n.Expr) -> str:
        return f"`{expr_text(node)}` at {node.span.file or filename}:{node.span.line}:{node.span.column}"

    if numbering.scale is not None:
        unit = (
            "whole points" if numbering.scale == 0 else f"units of {number_text(Decimal(1).scaleb(-numbering.scale))}"
        )
        lines = [f"numbering: integers in fixed point (scale {numbering.scale}: points in {unit})"]
    else:
        lines = ["numbering: Decimal points"]
        if numbering.decimal_because is not None:
            node, why = numbering.decimal_because
            lines.append(f"  because {where(node)} {why}")
    if not numbering.fractions:
        lines.append("quotients: in integers (no Fractions)")
    lines += [f"quotients: Fractions for {what}, {where(node)}" for node, what in numbering.fractions]
    return lines


def generate(
    model: Model, fixed: bool = True, rates: bool = True, tables: bool = True, once: bool | None = None
) -> tuple[str, tuple[Any, ...], Numbering]:
    """The program's source, the constants it is linked with (C0, C1 ... in order) and its numbering
    (fixed-point places, or Decimal arithmetic, and what needs Fractions). The source defines
    ``make(LAYOUT, C0, C1, ...)``, which :func:`partyrules.runtime.link_program` calls once.

    ``rates=False`` computes every quotient with Fractions, as before quotients were held in
    integers; ``tables=False`` reads every Decimal fact a quotient needs with ``as_integer_ratio()``,
    not by its text in a table (:func:`scaled_table`); ``once=True`` writes the body once, in the batch
    loop, whatever its size (see LARGE_MODEL), ``once=False`` twice: the tests compare the programs."""
    try:
        writer = _Writer(model, fixed, rates)
        writer.once = once
        because = writer.decimal_because
        body = writer.program()
    except NoFixedPoint as exc:
        because = (exc.args[0], "has no exact form in fixed point") if exc.args else None
        fixed = False
        writer = _Writer(model, fixed, rates)
        writer.once = once
        body = writer.program()
    # Decimal facts whose integer ratio the rules read: written again, read by their text in a table
    # of every value in range when the range is small enough, else (with declared places) their
    # ratio read once, in the inline test of their places (instead of a quantize, and a second read)
    specs = [writer.fact_spec(spec) for spec in model.inputs]
    # (not in a large program: it reads its text facts in one call, fetch_facts, which keeps no text)
    tables = tables and not writer.large
    tabled = {k: table for k in writer.ratios if tables and (table := scaled_table(specs[k])) is not None}
    prefetch = frozenset(
        k for k in writer.ratios if model.inputs[k].places is not None and k not in tabled and not writer.large
    )  # (a large program tests its facts in functions of their own: a ratio read there stays there)
    if prefetch or tabled:
        writer = _Writer(model, fixed, rates)
        writer.once = once
        writer.prefetch = prefetch
        writer.tabled = {k: places for k, (_, _, places) in tabled.items()}
        body = writer.program()
    names = sorted(writer.namespace, key=lambda k: int(k[1:]))
    head = f"def make({', '.join(['LAYOUT', *names])}):\n"
    # the tables are built when the program is linked (once per process for each range), not pickled
    head += "".join(f"    T{k} = scaled_texts{table}\n" for k, table in sorted(tabled.items()))
    source = head + "".join("    " + line + "\n" for line in body.splitlines()) + "    return program, many\n"
    sites = {id(node): (node, what) for node, what in writer.fraction_sites}  # a node written twice once
    numbering = Numbering(writer.scale, because, tuple(sites.values()))
    return source, tuple(writer.namespace[k] for k in names), numbering


@attrs.frozen
class Compiled:
    """A model compiled: the generated text and its constants (what a pickle carries), and the linked program."""

    code: str
    constants: tuple[Any, ...]
    layout: rt.Layout
    program: rt.Program
    batch: rt.Batch
    numbering: Numbering


def compile_program(
    model: Model, layout_for: Callable[[int | None], rt.Layout], fixed: bool = True, rates: bool = True
) -> Compiled:
    """The program, its batch loop and the layout of their results (which records the fixed-point scale chosen)."""
    code, constants, numbering = generate(model, fixed, rates)
    layout = layout_for(numbering.scale)
    program, batch = rt.link_program(code, constants, layout, model.header.ruleset_id)
    return Compiled(code, constants, layout, program, batch, numbering)
