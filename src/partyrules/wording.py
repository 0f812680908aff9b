"""Rules in words: the expressions of a checked model as an officer reads them on a printed sheet.

``min(thematic_meetings, 4) * 2.5`` is “2,5 điểm mỗi buổi (theo “Số buổi sinh hoạt chuyên đề”),
tối đa 4 buổi”; ``attendance >= 95%, unexcused == 0`` in a table row is “khi “Tỷ lệ đảng viên dự”
từ 95% trở lên và không có đảng viên vắng không lý do”. Inputs are named by their labels, numbers
are written the Vietnamese way (``2,5``), and every method answers ``None`` where it has no sure
words for a form: the caller then quotes the rule in the file's own notation
(:func:`partyrules.printer.expr_text`). Wrong words on a printed scale would be worse than code.

Covered: numbers and percentages; inputs, named values, criteria's points and ``total``; sums and
differences; per-unit points (``k * n``, ``k * min(n, m)``, ``k * count(...)``); caps (``min``,
``max``, ``clamp``), ``round``; quotients (“tỷ lệ A trên B”); comparisons, also of levels, choices
and dates; ``and``, ``or``, ``not``; ``if``; ``full``/``applicable``; the rows of ``bands``,
``match`` and ``table`` (:meth:`Wording.cell`, :meth:`Wording.band`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from partyrules import nodes as n
from partyrules.model import Model
from partyrules.printer import date_text, number_text

__all__ = ["CLASSIFIERS", "Wording", "vn_number"]

#: The nouns a count is counted in: “Số buổi ...” counts buoi, so ``2.5 * n`` is “2,5 điểm mỗi buổi”.
#: Only a label starting “Số <one of these>” gives a unit; any other count is worded without one.
CLASSIFIERS = (
    "đảng viên",
    "đồng chí",
    "chi bộ",
    "tổ chức",
    "nghị quyết",
    "chỉ tiêu",
    "văn bản",
    "buổi",
    "lần",
    "lượt",
    "cuộc",
    "đợt",
    "việc",
    "người",
    "ngày",
    "tuần",
    "tháng",
    "quý",
    "năm",
    "giờ",
    "phút",
)

# comparisons of numbers, dates and levels (a level's ``>=`` is “at least as good”)
_NUMBER_WORDS = {
    ">=": "{} từ {} trở lên",
    ">": "{} trên {}",
    "<=": "{} không quá {}",
    "<": "{} dưới {}",
    "==": "{} bằng {}",
    "!=": "{} khác {}",
}
_DATE_WORDS = {
    ">=": "{} từ ngày {} trở đi",
    ">": "{} sau ngày {}",
    "<=": "{} không sau ngày {}",
    "<": "{} trước ngày {}",
    "==": "{} là ngày {}",
    "!=": "{} không phải ngày {}",
}
_LEVEL_WORDS = {
    ">=": "{} từ mức {} trở lên",
    ">": "{} trên mức {}",
    "<=": "{} từ mức {} trở xuống",
    "<": "{} dưới mức {}",
    "==": "{} là {}",
    "!=": "{} không phải {}",
}
#: how points that are just a number read: “số điểm bằng “Điểm chấm ...””
_SAME_AS = "số điểm bằng "
_NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!=", "!=": "=="}


def vn_number(value: Decimal, percent: bool = False) -> str:
    """A number the Vietnamese way: ``2,5``; a percentage ``95%`` (``percent``: ``value`` is a fraction)."""
    return number_text(value, percent=percent, comma=True)


class Wording:
    """The words of one model's expressions; each method returns None where it has no sure words."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.inputs = {i.name: i for i in model.inputs}
        self.criteria = {c.name: c for c in model.criteria + model.deductions + model.bonuses}
        self.member_labels: dict[str, dict[str, str]] = {}
        for decl in model.file.declarations:
            if isinstance(decl, n.Levels):
                self.member_labels[decl.name] = {m.name: m.label or m.name for m in decl.members}
        for i in model.inputs:
            if i.type.kind == "enum" and i.type.name:
                self.member_labels[i.type.name] = {
                    m: label or m for m, label in zip(i.type.members, i.member_labels, strict=False)
                }

    # ------------------------------------------------------------ names and numbers

    def label(self, node: n.Expr) -> str | None:
        """The label of the input or named value ``node`` names, unquoted; None for anything else."""
        r = self.model.resolutions.get(id(node))
        if not isinstance(node, n.Name) or r is None or r.target is None:
            return None
        if r.kind == "input":
            return self.inputs[r.target].label
        if r.kind == "let":
            return self.model.lets[r.target].label
        return None

    def member_label(self, node: n.Expr) -> str | None:
        """A choice or a level by its label: ``Tốt``; None when ``node`` names no member."""
        r = self.model.resolutions.get(id(node))
        if r is None or r.kind != "member" or r.type is None or r.target is None:
            return None
        return self.member_labels.get(r.type.name or "", {}).get(r.target, r.target)

    def member(self, node: n.Expr) -> str | None:
        """A choice or a level by its label, quoted: ``“Tốt”``."""
        label = self.member_label(node)
        return None if label is None else f"“{label}”"

    def name(self, node: n.Name) -> str | None:
        r = self.model.resolutions.get(id(node))
        if r is None:
            return None
        if r.kind in ("input", "let"):
            label = self.label(node)
            return f"“{label}”" if label else None
        if r.kind == "points" and r.target in self.criteria:
            return f"điểm mục {self.criteria[r.target].number}"
        if r.kind == "total":
            return "tổng điểm"
        return self.member(node)

    def unit(self, node: n.Expr) -> str | None:
        """What a count counts, from its label (“Số buổi ...” → ``buổi``); None when the label does not say."""
        label = self.label(node)
        if label is None or not label.startswith("Số "):
            return None
        rest = label[3:]
        return next((c for c in CLASSIFIERS if rest == c or rest.startswith(c + " ")), None)

    # ------------------------------------------------------------ amounts

    def amount(self, node: n.Expr, nested: bool = False) -> str | None:
        """A number-valued expression in words."""
        if isinstance(node, n.Number):
            return vn_number(node.value, node.percent)
        if isinstance(node, n.DateLiteral):
            return date_text(node.value)
        if isinstance(node, n.Name):
            return self.name(node)
        if isinstance(node, n.Binary) and node.op in ("+", "-", "*", "/"):
            return self._arithmetic(node, nested)
        if isinstance(node, n.Call):
            return self._call(node)
        if isinstance(node, (n.Bands, n.Match)):
            text = self.inline(node, self.amount)
            return f"({text})" if nested and text is not None else text
        if isinstance(node, n.If):
            then, otherwise, condition = (
                self.amount(node.then, True),
                self.amount(node.otherwise, True),
                self.condition(node.condition),
            )
            if then is None or otherwise is None or condition is None:
                return None
            text = f"{then} nếu {condition}, còn lại {otherwise}"
            return f"({text})" if nested else text
        return None

    def _arithmetic(self, node: n.Binary, nested: bool) -> str | None:
        left, right = self.amount(node.left, True), self.amount(node.right, True)
        if left is None or right is None:
            return None
        if node.op == "/":
            text = f"{left} chia cho {right}" if isinstance(node.right, n.Number) else f"tỷ lệ {left} so với {right}"
        else:
            text = f"{left} {({'+': 'cộng', '-': 'trừ', '*': 'nhân'})[node.op]} {right}"
        return f"({text})" if nested else text

    def _call(self, node: n.Call) -> str | None:
        fn, args = node.function, node.args
        if fn in ("min", "max") and len(args) == 2:
            capped = _capped(node)
            if capped is not None:
                value, bound = capped
                words = self.amount(value, True)
                if words is None:
                    return None
                return (
                    f"{words} (tính {'tối đa' if fn == 'min' else 'tối thiểu'} {vn_number(bound.value, bound.percent)})"
                )
        if fn in ("min", "max"):
            parts = [self.amount(a) for a in args]
            if None in parts:
                return None
            which = "nhỏ nhất" if fn == "min" else "lớn nhất"
            return f"giá trị {which} trong: {'; '.join(p for p in parts if p)}"
        if fn == "clamp" and isinstance(args[1], n.Number) and isinstance(args[2], n.Number):
            words = self.amount(args[0], True)
            low, high = (vn_number(a.value, a.percent) for a in (args[1], args[2]))
            return None if words is None else f"{words} (tính trong khoảng {low} đến {high})"
        if fn == "round" and isinstance(args[1], n.Number):
            words = self.amount(args[0], True)
            places = int(args[1].value)
            how = "đến số nguyên" if places == 0 else f"đến {places} chữ số thập phân"
            return None if words is None else f"{words}, làm tròn {how}"
        if fn == "count":
            parts = [self.condition(a) for a in args]
            return None if None in parts else f"số điều kiện đúng trong: {'; '.join(p for p in parts if p)}"
        if fn in ("days_between", "months_between"):
            start, end = self.amount(args[0]), self.amount(args[1])
            what = "ngày" if fn == "days_between" else "tháng"
            return None if start is None or end is None else f"số {what} từ {start} đến {end}"
        return None

    # ------------------------------------------------------------ points

    def points(self, node: n.Expr) -> tuple[str, ...] | None:
        """A criterion's points rule, top level: one line, or a heading and one line per part of a sum."""
        terms = _terms(node)
        if len(terms) > 1:
            parts = [self.points_phrase(t, in_sum=True) for t in terms]
            if None in parts:
                return None
            return ("Cộng điểm các phần sau:", *(f"– {p}" for p in parts if p))
        phrase = self.points_phrase(node)
        return None if phrase is None else (phrase,)

    def points_phrase(self, node: n.Expr, in_sum: bool = False) -> str | None:
        """Points in words: ``3 điểm nếu ...``, ``2,5 điểm mỗi buổi ...``; None where there are no sure words."""
        if isinstance(node, n.Number) and not node.percent:
            return f"{vn_number(node.value)} điểm"
        if isinstance(node, n.Name):
            r = self.model.resolutions.get(id(node))
            if r is not None and r.kind == "points":
                return self.name(node)
            words = self.name(node)
            return None if words is None else _SAME_AS + words
        if isinstance(node, n.If):
            return self._points_if(node, in_sum)
        if isinstance(node, (n.Bands, n.Match)):
            text = self.inline(node, self.points_phrase)
            return None if text is None else f"({text})"
        if isinstance(node, n.Binary) and node.op == "*":
            return self._per_unit(node)
        if isinstance(node, n.Binary) and node.op in ("+", "-"):
            left = self.points_phrase(node.left)
            right = self.points_phrase(node.right)
            if left is None or right is None:
                return None
            if _SAME_AS in (left[: len(_SAME_AS)], right[: len(_SAME_AS)]):  # plain numbers: one amount
                amount = self.amount(node)
                if amount is not None:
                    return _SAME_AS + amount
            if (isinstance(node.right, n.Binary) and node.right.op in ("+", "-")) or isinstance(node.right, n.If):
                right = f"({right})"
            return f"{left} {'cộng' if node.op == '+' else 'trừ'} {right}"
        if isinstance(node, n.Call) and node.function in ("min", "max") and len(node.args) == 2:
            capped = _capped(node)
            if capped is None:
                return None
            value, bound = capped
            words = self.points_phrase(value)
            if words is None or bound.percent:
                return None
            if (
                isinstance(value, n.Binary)
                and value.op in ("+", "-")
                and not words.startswith((_SAME_AS, "("))  # a sum of parenthesised parts reads as one already
            ):
                words = f"({words})"
            limit = "tối đa" if node.function == "min" else "không dưới"
            return f"{words}, {limit} {vn_number(bound.value)} điểm"
        if isinstance(node, n.Call) and node.function == "round" and isinstance(node.args[1], n.Number):
            words = self.points_phrase(node.args[0])
            places = int(node.args[1].value)
            how = "đến số nguyên" if places == 0 else f"đến {places} chữ số thập phân"
            if words is not None:
                return f"{words}, làm tròn {how}"
        amount = self.amount(node)  # any other number: the points are that number
        return None if amount is None else _SAME_AS + amount

    def _points_if(self, node: n.If, in_sum: bool) -> str | None:
        condition = self.condition(node.condition)
        then = self.points_phrase(node.then)
        if condition is None or then is None:
            return None
        if isinstance(node.then, n.If):
            then = f"({then})"
        if in_sum and isinstance(node.otherwise, n.Number) and node.otherwise.value == 0:
            return f"{then} nếu {condition}"  # the sum's other parts are added either way
        otherwise = self.points_phrase(node.otherwise)
        return None if otherwise is None else f"{then} nếu {condition}; còn lại {otherwise}"

    def _per_unit(self, node: n.Binary) -> str | None:
        """``k * n`` (k points each), ``k * min(n, m)`` (at most m of them), ``k * count(...)``."""
        if isinstance(node.right, n.Number) and not node.right.percent:
            each, counted = node.right, node.left
        elif isinstance(node.left, n.Number) and not node.left.percent:
            each, counted = node.left, node.right
        else:
            return None
        k = vn_number(each.value)
        if isinstance(counted, n.Call) and counted.function == "count":
            parts = [self.condition(a) for a in counted.args]
            if None in parts:
                return None
            return f"{k} điểm cho mỗi điều kiện đúng trong: {'; '.join(p for p in parts if p)}"
        cap = None
        if isinstance(counted, n.Call) and counted.function == "min" and len(counted.args) == 2:
            capped = _capped(counted)
            if capped is None or capped[1].percent:
                return None
            counted, cap = capped[0], vn_number(capped[1].value)
        unit = self.unit(counted)
        subject = self.amount(counted, nested=True)  # 2 điểm × (A cộng B), never 2 điểm × A cộng B
        if subject is None:
            return None
        if unit is None:
            return f"{k} điểm × {subject}" + (f" (tính tối đa {cap})" if cap is not None else "")
        return f"{k} điểm mỗi {unit} (theo {subject})" + (f", tối đa {cap} {unit}" if cap is not None else "")

    # ------------------------------------------------------------ conditions

    def condition(self, node: n.Expr, within: str | None = None) -> str | None:
        """A condition in words; ``within`` is the connective (``and``/``or``) of the enclosing condition."""
        if isinstance(node, n.Name):
            return self._statement(node)
        if isinstance(node, n.Unary) and node.op == "not":
            inner = node.operand
            if isinstance(inner, n.Compare):
                return self.compare(inner.left, _NEGATED[inner.op], inner.right)
            statement = self._statement(inner) if isinstance(inner, n.Name) else None
            return None if statement is None else f"không {statement}"
        if isinstance(node, n.Binary) and node.op in ("and", "or"):
            left, right = self.condition(node.left, node.op), self.condition(node.right, node.op)
            if left is None or right is None:
                return None
            text = f"{left} {'và' if node.op == 'and' else 'hoặc'} {right}"
            return f"({text})" if within is not None and within != node.op else text
        if isinstance(node, n.Compare):
            return self.compare(node.left, node.op, node.right)
        if isinstance(node, n.Call) and node.function in ("full", "applicable") and node.args:
            target = node.args[0]
            c = self.criteria.get(target.name) if isinstance(target, n.Name) else None
            if c is None:
                return None
            return f"mục {c.number} đạt điểm tối đa" if node.function == "full" else f"mục {c.number} được áp dụng"
        return None

    def _statement(self, node: n.Name) -> str | None:
        """A yes/no input or named value as a statement: its label, quoted."""
        r = self.model.resolutions.get(id(node))
        kind = self.model.types.get(id(node))
        if r is None or r.kind not in ("input", "let") or kind is None or kind.kind != "boolean":
            return None
        label = self.label(node)
        return f"“{label}”" if label else None

    def compare(self, left: n.Expr, op: str, right: n.Expr) -> str | None:
        """``left op right`` in words; a count compared with 0 is “có/không có ...” (“Số X” = 0: no X)."""
        label = self.label(left)
        kind = self.model.types.get(id(left))
        if label is not None and label.startswith("Số ") and isinstance(right, n.Number) and not right.percent:
            rest = label[3:]
            whole = kind is not None and kind.kind == "integer"
            natural = self._never_negative(left)  # then `<= 0` is `== 0`, and `!= 0` is `> 0`
            if right.value == 0 and (op == "==" or (op == "<=" and natural)):
                return f"không có {rest}"
            if right.value == 0 and (op == ">" or (op == "!=" and natural)):
                return f"có {rest}"
            if right.value == 1 and op == ">=" and whole:  # a whole number: `>= 1` is `> 0`
                return f"có {rest}"
        subject = self._subject(left)
        if subject is None:
            return None
        if kind is not None and kind.kind in ("level", "enum"):
            other = self.member(right)
            return None if other is None else _LEVEL_WORDS[op].format(subject, other)
        if kind is not None and kind.kind == "boolean":
            return None
        other = self.amount(right, True)
        if other is None:
            return None
        if kind is not None and kind.kind == "date":
            if isinstance(right, n.DateLiteral):
                return _DATE_WORDS[op].format(subject, other)
            return _DATE_WORDS[op].replace("ngày ", "").format(subject, other)
        return _NUMBER_WORDS[op].format(subject, other)

    def _never_negative(self, node: n.Expr) -> bool:
        """Whether ``node`` is an input declared with a range from 0 or above."""
        r = self.model.resolutions.get(id(node))
        if r is None or r.kind != "input" or r.target is None:
            return False
        low = self.inputs[r.target].low
        return isinstance(low, (int, Decimal)) and not isinstance(low, bool) and low >= 0

    def _subject(self, node: n.Expr) -> str | None:
        if isinstance(node, n.Call) and node.function == "level" and node.args and isinstance(node.args[0], n.Name):
            c = self.criteria.get(node.args[0].name)
            return None if c is None else f"mức đạt của mục {c.number}"
        if isinstance(node, n.Call) and node.function == "worst_level":
            if not node.args:  # every criterion with a level rule
                return "mức đạt thấp nhất của các mục có xếp mức"
            named = [self.criteria.get(a.name) if isinstance(a, n.Name) else None for a in node.args]
            if None in named:
                return None
            return "mức đạt thấp nhất của các mục " + ", ".join(c.number for c in named if c is not None)
        return self.amount(node)

    # ------------------------------------------------------------ rows of bands, match and table

    def inline(self, node: n.Bands | n.Match, result: Callable[[n.Expr], str | None]) -> str | None:
        """Bands or match inside a formula, in one parenthesised phrase: ``(theo X: 5 điểm nếu từ 95% trở
        lên, 4 điểm nếu trên 85%, còn lại 2 điểm``; a rule that is one of them alone gets a line a row."""
        subject = self.amount(node.subject)
        rows: list[tuple[str | None, str | None]]
        if isinstance(node, n.Bands):
            rows = [(self.band(b), result(b.result)) for b in node.bands]
        else:
            rows = [(self._patterns(arm.patterns), result(arm.result)) for arm in node.arms]
        otherwise = result(node.otherwise) if node.otherwise is not None else ""
        if subject is None or otherwise is None or any(when is None or then is None for when, then in rows):
            return None
        parts = [f"{then} nếu {when}" for when, then in rows]
        if otherwise:
            parts.append(f"còn lại {otherwise}")
        return f"theo {subject}: {', '.join(parts)}"

    def _patterns(self, patterns: tuple[n.Literal | n.Name, ...]) -> str | None:
        words = [self.member_label(p) or self.amount(p) for p in patterns]
        return None if None in words else "là " + " hoặc ".join(w for w in words if w)

    def band(self, band: n.Band) -> str:
        """The threshold of a row of ``bands``: ``từ 95% trở lên``, ``trên 50%``, ``đến 2``."""
        threshold = band.threshold
        text = vn_number(threshold.value, threshold.percent) if isinstance(threshold, n.Number) else None
        if text is None:
            text = date_text(threshold.value) if isinstance(threshold, n.DateLiteral) else "?"
        return {"from": "từ {} trở lên", "above": "trên {}", "upto": "đến {}"}[band.direction].format(text)

    def cell(self, column: n.Expr, cell: n.Cell) -> str | None:
        """One cell of a table row, tested against its column; ``""`` for ``-`` (any value)."""
        if isinstance(cell, n.AnyCell):
            return ""
        if isinstance(cell, n.CompareCell):
            parts = [self.compare(column, op, lit) for op, lit in cell.tests]
            return None if None in parts else " và ".join(p for p in parts if p)
        kind = self.model.types.get(id(column))
        if isinstance(cell, n.MemberCell):
            names = self.member_labels.get(kind.name or "", {}) if kind is not None else {}
            subject = self._subject(column)
            if subject is None or kind is None:
                return None
            return f"{subject} là " + " hoặc ".join(f"“{names.get(m, m)}”" for m in cell.members)
        value = cell.value
        if isinstance(value, n.BooleanLiteral):
            statement = self.condition(column)
            if statement is None:
                return None
            return statement if value.value else f"không {statement}" if isinstance(column, n.Name) else None
        if isinstance(value, n.Name):
            subject, member = self._subject(column), self.member(value)
            return None if subject is None or member is None else f"{subject} là {member}"
        return self.compare(column, "==", value)


def _terms(node: n.Expr) -> list[n.Expr]:
    """The terms of a sum ``a + b + c`` (left-associative), or the node alone."""
    if isinstance(node, n.Binary) and node.op == "+":
        return [*_terms(node.left), node.right]
    return [node]


def _capped(node: n.Call) -> tuple[n.Expr, n.Number] | None:
    """``min(x, 4)`` or ``min(4, x)`` as (x, 4); None when neither argument is a number."""
    a, b = node.args
    if isinstance(b, n.Number) and not isinstance(a, n.Number):
        return a, b
    if isinstance(a, n.Number) and not isinstance(b, n.Number):
        return b, a
    return None
