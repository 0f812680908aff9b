"""Building the nodes of a file's examples and properties (``example``, ``examples``, ``property``).

The part of :class:`partyrules.parser.builder.Builder` that reads what a file states about itself
rather than how it scores; ``Builder`` inherits it. lark's ``v_args`` wraps only the methods a
class defines itself, so this class carries its own decorator.
"""

from __future__ import annotations

from typing import Any

import attrs
from lark import Token, Transformer, v_args
from lark.tree import Meta

from partyrules import nodes as n
from partyrules.parser.making import made
from partyrules.parser.spans import span_of_meta, span_of_token, text_of


@v_args(meta=True)
class CasebookBuilder(Transformer[Token, Any]):
    """Examples and properties, built into nodes; the bookkeeping below is :class:`Builder`'s."""

    def _block(self, meta: Meta, stmts: list[Any]) -> None:
        raise NotImplementedError  # Builder's: remembers a block's statements for the formatter

    def _problem(self, code: str, message: str, span: n.Span, hint: str | None = None) -> None:
        raise NotImplementedError  # Builder's: collects a problem seen while building

    # -- examples and properties
    def given_fact(self, meta: Meta, c: list[Any]) -> n.GivenFact:
        return made.GivenFact(str(c[0]), c[1], span_of_meta(meta))

    def given(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("given", tuple(c), span_of_meta(meta))

    def _expect(self, what: str, meta: Meta, target: Token | None, value: Any = None) -> n.Expectation:
        name = made.Name(str(target), span_of_token(target)) if target is not None else None
        return made.Expectation(what, name, value, span_of_meta(meta))

    def expect_total(self, meta: Meta, c: list[Any]) -> n.Expectation:
        return self._expect("total", meta, None, c[0])

    def expect_grade(self, meta: Meta, c: list[Token]) -> n.Expectation:
        return self._expect("grade", meta, c[0])

    def expect_band(self, meta: Meta, c: list[Token]) -> n.Expectation:
        return self._expect("band", meta, c[0])

    def expect_points(self, meta: Meta, c: list[Any]) -> n.Expectation:
        return self._expect("points", meta, c[0], c[1])

    def expect_level(self, meta: Meta, c: list[Token]) -> n.Expectation:
        return self._expect("level", meta, c[0], made.Name(str(c[1]), span_of_token(c[1])))

    def expect_knockout(self, meta: Meta, c: list[Token]) -> n.Expectation:
        return self._expect("knockout", meta, c[0])

    def expect_not_graded(self, meta: Meta, c: list[Token]) -> n.Expectation:
        return self._expect("not_graded", meta, c[0])

    def batch_row(self, meta: Meta, c: list[Any]) -> n.BatchRow:
        name, group, like, facts = c[0], c[1], c[2], tuple(c[3:])
        if facts:
            self._block(meta, list(facts))
        base = made.Name(str(like), span_of_token(like)) if like is not None else None
        group_text = text_of(group) if group is not None else None
        return made.BatchRow(made.Name(str(name), span_of_token(name)), group_text, base, facts, span_of_meta(meta))

    def row_grade(self, meta: Meta, c: list[Token]) -> n.Expectation:
        return self._expect("grade", meta, c[0])

    def row_demoted(self, meta: Meta, c: list[Token]) -> n.Expectation:
        return self._expect("demoted", meta, c[0])

    def row_not_demoted(self, meta: Meta, c: list[Token]) -> n.Expectation:
        return self._expect("not_demoted", meta, None)

    def expect_row(self, meta: Meta, c: list[Any]) -> n.Expectation:
        row = made.Name(str(c[0]), span_of_token(c[0]))
        expectation: n.Expectation = attrs.evolve(c[1], row=row, span=span_of_meta(meta))
        return expectation

    def example_decl(self, meta: Meta, c: list[Any]) -> n.Example:
        like = made.Name(str(c[2]), span_of_token(c[2])) if c[2] is not None else None
        statements = c[3:]
        self._block(meta, statements)
        givens = [s for s in statements if isinstance(s, tuple)]
        for extra in givens[1:]:
            self._problem("PR009", f"example `{c[0]}` says `given` twice", extra[2], "put every fact in one block")
        expectations = tuple(s for s in statements if isinstance(s, n.Expectation))
        facts = givens[0][1] if givens else ()
        rows = tuple(s for s in statements if isinstance(s, n.BatchRow))
        return made.Example(str(c[0]), text_of(c[1]), facts, expectations, span_of_meta(meta), like, rows)

    def examples_decl(self, meta: Meta, c: list[Token]) -> n.ExampleTable:
        return made.ExampleTable(text_of(c[0]), text_of(c[1]), span_of_meta(meta))

    def assuming(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("assuming", c[0], span_of_meta(meta))

    def total_within(self, meta: Meta, c: list[Any]) -> n.Claim:
        return made.Claim("within", range=c[0], span=span_of_meta(meta))

    def monotone(self, meta: Meta, c: list[Token]) -> n.Claim:
        subject = made.Name(str(c[1]), span_of_token(c[1]))
        return made.Claim("monotone", subject=subject, direction=str(c[0]), span=span_of_meta(meta))

    def grade_requires(self, meta: Meta, c: list[Any]) -> n.Claim:
        subject = made.Name(str(c[0]), span_of_token(c[0]))
        return made.Claim("requires", subject=subject, condition=c[1], span=span_of_meta(meta))

    def always(self, meta: Meta, c: list[Any]) -> n.Claim:
        return made.Claim("always", condition=c[0], span=span_of_meta(meta))

    def property_decl(self, meta: Meta, c: list[Any]) -> n.Property:
        self._block(meta, c[2:])
        assuming = tuple(s[1] for s in c[2:] if isinstance(s, tuple))
        claims = tuple(s for s in c[2:] if isinstance(s, n.Claim))
        return made.Property(str(c[0]), text_of(c[1]), assuming, claims, span_of_meta(meta))
