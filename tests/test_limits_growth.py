"""Values that grow without bound along a chain of `let`s are refused by `check` (PR504).

A bug hunt found that ``let a1 = a0 * a0; let a2 = a1 * a1; …`` (1 KB of text) made checking take a
minute at 24 steps and never end at 40, and scoring as long: each step squares, and both the
checker's intervals and the compiled program computed numbers of millions of digits. ``b / 3 + b * b``
did the same with quotients. The limit refuses such a chain at the first step past it, at that
step's line and column, before any large number is computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import pytest

import partyrules
from partyrules.checker import growth
from partyrules.server.app import create_app
from partyrules.types import Interval
from test_server import Server, serving

HEAD = """\
ruleset "test/growth" {
  title "Thử giới hạn";
  version "1";
  basis "Thử";
  effective from 2024-01-01;
  points illustrative "thử";
}

input minutes "Thời lượng (phút)": RANGE;
"""

TAIL = """\
criteria "Buổi sinh hoạt" max 4 {
  item thoi_luong "Thời lượng" max 4 {
    points = bands LAST { from 90: 4; from 60: 2; otherwise: 0; };
  }
}

grades {
  grade dat "Đạt" { band from 2; }
  grade chua "Chưa đạt" { band below 2; }
}
"""

#: the line of `let a0` (line 9 is the input)
FIRST = 10


def chain(steps: int, step: str, kind: str = "integer 0..600", subject: str = "") -> str:
    """``let a0 = minutes;`` then ``steps`` lets, each ``step`` with ``P`` for the one before; the
    last one (or ``subject``) is scored."""
    lets = ["let a0 = minutes;"] + [f"let a{i} = {step.replace('P', f'a{i - 1}')};" for i in range(1, steps + 1)]
    tail = TAIL.replace("LAST", subject or f"a{steps}")
    return HEAD.replace("RANGE", kind) + "\n".join(lets) + "\n" + tail


def refused(text: str) -> partyrules.Diagnostic:
    with pytest.raises(partyrules.CriteriaError) as caught:
        partyrules.loads(text, "growth.criteria")
    (problem,) = caught.value.diagnostics  # one report: the steps after it add none
    assert problem.code == "PR504"
    return problem


def at(problem: partyrules.Diagnostic, step: int, offset: int = 0) -> tuple[int, int]:
    """That ``problem`` is at the value of step ``step`` (``offset`` characters into it)."""
    assert (problem.span.line, problem.span.column) == (FIRST + step, len(f"let a{step} = ") + 1 + offset)
    return problem.span.line, problem.span.column


def test_a_chain_of_squares_over_a_range_is_refused_at_the_sixth_step() -> None:
    """Five squarings of a count in 0..600 reach 600^32 (about 10^89): allowed; the sixth reaches 10^178."""
    ruleset = partyrules.loads(chain(5, "P * P"), "growth.criteria")
    assert ruleset.evaluate({"minutes": 2}).total == 4  # 2^32
    assert ruleset.evaluate({"minutes": 1}).total == 0
    problem = refused(chain(6, "P * P"))
    at(problem, 6)
    assert "about 6.33403E+177, 10^100 or more" in problem.message


@pytest.mark.parametrize("kind", ["integer", "decimal", "percent", "integer 0..1"])
def test_a_chain_of_squares_is_refused_at_the_seventh_step_whatever_the_range(kind: str) -> None:
    """Over an input without a range (no interval to measure: its facts may have 1,000 digits) or one
    whose powers never grow (0..1, 0 % to 100 %), six squarings multiply 64 numbers: allowed; the
    seventh, 128, is refused."""
    partyrules.loads(chain(6, "P * P", kind, subject="minutes * 100"), "growth.criteria")
    problem = refused(chain(7, "P * P", kind, subject="minutes * 100"))
    at(problem, 7)
    assert "128 numbers" in problem.message


def test_a_long_chain_is_refused_once_at_its_first_step_past_the_limit() -> None:
    """The hunt's 40 steps (before: still running after a minute): one diagnostic, at step 6 or 7."""
    at(refused(chain(40, "P * P")), 6)
    at(refused(chain(40, "P * P", "integer")), 7)


def test_no_interval_is_multiplied_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check stops the chain before its intervals hold a number past 10^100 (the products of two
    ends stay below 10^200): the hunt's traceback was the interval product of million-digit ends."""
    largest = 0
    multiply = Interval.__mul__

    def spy(self: Interval, other: Interval) -> Interval:
        nonlocal largest
        for end in (*self, *other):
            if end is not None:
                largest = max(largest, Fraction(end).numerator.bit_length(), Fraction(end).denominator.bit_length())
        return multiply(self, other)

    monkeypatch.setattr(Interval, "__mul__", spy)
    refused(chain(40, "P * P"))
    refused(chain(40, "P / 3 + P * P"))
    assert 0 < largest < (10**100).bit_length()


def test_a_chain_of_quotients_is_refused() -> None:
    """``b / 3 + b * b`` (the hunt's div20, 47 s before): the sum of a quotient counts the factors of both
    terms (their denominators multiply): 4, 13, 40; at the fourth step the product alone has 80."""
    ruleset = partyrules.loads(chain(3, "P / 3 + P * P", subject="min(a3, minutes)"), "growth.criteria")
    assert ruleset.evaluate({"minutes": 600}).total == 4
    problem = refused(chain(20, "P / 3 + P * P"))
    at(problem, 4, len("a3 / 3 + "))
    assert "80 numbers" in problem.message


def test_magnitude_and_denominators_past_ten_to_the_hundred_are_refused() -> None:
    """Few factors but long ones: 40-digit numbers (the most a file writes, PR013) three times over."""
    long = "9" * 40
    partyrules.loads(chain(2, f"P * {long}"), "growth.criteria")  # about 6 x 10^82
    problem = refused(chain(3, f"P * {long}"))
    at(problem, 3)
    assert "about 6E+122, 10^100 or more" in problem.message
    divisor = "7" + "0" * 38 + "1"
    ruleset = partyrules.loads(chain(2, f"P / {divisor}", subject="a2 * 1000 + minutes"), "growth.criteria")
    assert ruleset.evaluate({"minutes": 600}).total == 4
    problem = refused(chain(3, f"P / {divisor}", subject="minutes"))
    at(problem, 3)
    assert "denominator of about 3.43E+119" in problem.message


def test_a_chain_that_never_grows_loads_whatever_its_length() -> None:
    """Sums, and `round` of a value whose range is known, start no growth: 200 steps load."""
    partyrules.loads(chain(200, "P + 1 - 1"), "growth.criteria")
    ruleset = partyrules.loads(chain(200, "round(P * 3 / 2, 2)"), "growth.criteria")
    assert ruleset.evaluate({"minutes": 600}).total == 4


def test_the_limits_are_what_the_docs_say() -> None:
    assert growth.MAX_MAGNITUDE == 10**100
    assert growth.MAX_FACTORS == 64


@pytest.fixture(scope="module")
def api() -> Iterator[Server]:
    yield from serving(create_app([], max_body=1024 * 1024, cache_size=2))


def test_the_check_endpoint_reports_it(api: Server) -> None:
    """`partyrules serve` answers the hunt's 40 steps with the diagnostic (before: the request hung)."""
    status, body = api.post("/api/check", {"text": chain(40, "P * P"), "filename": "growth.criteria"})
    assert status == 200
    (problem,) = body["diagnostics"]
    assert (problem["code"], problem["line"], problem["column"]) == ("PR504", FIRST + 6, 10)
