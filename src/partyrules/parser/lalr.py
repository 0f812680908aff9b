"""A parse loop of our own over lark's LALR tables, building the nodes as it reduces.

lark spends most of a parse outside its tables: a ``Token`` and a line counter for every token, a
``Tree`` and a ``Meta`` for every rule, three wrappers around every reduction, then a second walk that
turns the tree into nodes. This loop reads the same tables (the ones lark built or read from the saved
parser), lexes with the same regular expressions chosen state by state as lark's contextual lexer
chooses them, and calls the builder's methods at each reduction with the children and the positions
the walk over lark's tree would give them (lark's ``maybe_placeholders``, ``?rule`` inlining, ``_rule``
splicing and ``propagate_positions``, containers included). It knows nothing of errors: at a
character or a token it cannot take, or nesting too deep, it stops, and the caller parses the text
again with lark, whose errors it reports as before. ``tests/test_parse_loop.py`` checks the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from partyrules import nodes as n
from partyrules.parser.spans import Comment, Lexeme as Lexeme

#: What lark names the end of the input in its tables.
END = "$END"


class Stop(Exception):
    """The loop cannot take the text (a syntax error, nesting too deep): lark parses it instead."""


#: A value on the stack: (value, position, depth). The position is (line, column, end line, end column)
#: or None; the depth is 0 for a token or a missing optional, that of the tree for a rule's result (how
#: deep lark's tree would be there), and SPLICED for a ``_rule`` lark splices into its parent, whose
#: value is then the list of its children's entries.
Entry = tuple[Any, "tuple[int, int, int, int] | None", int]
SPLICED = -1
MISSING: Entry = (None, None, 0)


#: The group that holds the blanks a scanner skips before its token.
SKIPPED = "skipped__"


class Scanner:
    """The lexer of one parser state: lark's terminals for that state in lark's order, as one pattern.

    As in lark's ``BasicLexer``: terminals sorted by priority, longest possible match, length of the
    pattern, name; a keyword that a pattern of the same priority also matches (``item`` and ``NAME``)
    is not in the pattern but turns the pattern's token into the keyword (lark's ``UnlessCallback``).

    One thing more: the blanks before a token (the ignored terminal ``skip``, ``WS``) are matched with
    it, where lark takes them as a token of their own and lexes again after them. Where lark would
    take them (no terminal before ``skip`` in lark's order matches there), the pattern takes all of
    them (a lookahead, which never gives back part of what it took) and then lark's alternatives;
    elsewhere it takes none.
    """

    __slots__ = ("keywords", "match")

    def __init__(self, terminals: list[Any], flags: int, skip: str | None) -> None:
        terminals = sorted(terminals, key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
        patterns = [t for t in terminals if t.pattern.type == "re"]
        words = [t for t in terminals if t.pattern.type == "str"]
        keywords: dict[str, dict[str, str]] = {}
        embedded: set[str] = set()
        for pattern in patterns:
            unless: dict[str, str] = {}
            for word in words:
                if word.priority != pattern.priority:
                    continue
                found = re.match(pattern.pattern.to_regexp(), word.pattern.value, flags)
                if found is not None and found.group(0) == word.pattern.value:
                    unless[word.pattern.value] = word.name
                    if frozenset(word.pattern.flags) <= frozenset(pattern.pattern.flags):
                        embedded.add(word.name)
            if unless:
                keywords[pattern.name] = unless
        kept = [t for t in terminals if t.name not in embedded]
        pattern = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in kept)
        names = [t.name for t in kept]
        if skip is not None and skip in names:
            before = kept[: names.index(skip)]
            blanks = kept[names.index(skip)].pattern.to_regexp()
            unless_before = f"(?!{'|'.join(t.pattern.to_regexp() for t in before)})" if before else ""
            pattern = f"(?:{unless_before}(?=(?P<{SKIPPED}>{blanks}))(?P={SKIPPED}))?(?:{pattern})"
        self.match: Callable[[str, int], re.Match[str] | None] = re.compile(pattern, flags).match
        self.keywords = keywords


#: The action of a token that may be a keyword in this state: its kind is known once its text is read.
KEYWORD = object()


class Lexer:
    """What the loop reads of a state to lex its next token: the scanner's pattern and keywords, and the
    state's actions by the kind lexed (:data:`KEYWORD` for a kind that may turn into a keyword)."""

    __slots__ = ("first", "keywords", "match")

    def __init__(
        self,
        match: Callable[[str, int], re.Match[str] | None],
        keywords: dict[str, dict[str, str]],
        first: dict[str, object],
    ) -> None:
        self.match = match
        self.keywords = keywords
        self.first = first


def _may_hold_newline(regexp: str) -> bool:
    """lark's test of which terminals may hold a line break (their line breaks are counted)."""
    return "\n" in regexp or "\\n" in regexp or "\\s" in regexp or "[^" in regexp or ("(?s" in regexp and "." in regexp)


class Rule:
    """What a reduction by one of lark's rules does, worked out once from the rule."""

    __slots__ = (
        "appended",
        "edges",
        "include",
        "index",
        "inline",
        "leaf",
        "name",
        "origin",
        "pass_through",
        "simple",
        "size",
        "spliced",
        "terms",
        "token",
        "trailing",
    )

    def __init__(self, index: int, rule: Any, placeholders: bool) -> None:
        expansion = rule.expansion
        options = rule.options
        self.index = index
        self.size = len(expansion)
        self.terms = tuple(bool(symbol.is_term) for symbol in expansion)
        # its first and last symbols are terminals: tokens, which always have a place
        self.edges = bool(expansion) and expansion[0].is_term and expansion[-1].is_term
        # plain str: a lark that built its grammar itself names symbols with its Tokens (a str subclass)
        self.origin = str(rule.origin.name)
        self.name = str(rule.alias or options.template_source or rule.origin.name)
        self.inline = bool(options.expand1 and not rule.alias)  # `?rule`: one child stands for it
        # lark's maybe_create_child_filter: which children are kept, spliced, and where None goes
        empty = options.empty_indices if placeholders else None
        if empty:
            nones = [len(ones) for ones in "".join(str(int(b)) for b in empty).split("0")]
        else:
            nones = [0] * (self.size + 1)
        include: list[tuple[int, bool, int]] = []
        pending = 0
        for i, symbol in enumerate(expansion):
            pending += nones[i]
            if options.keep_all_tokens or not (symbol.is_term and symbol.filter_out):
                include.append((i, not symbol.is_term and symbol.name.startswith("_"), pending))
                pending = 0
        self.include = tuple(include)
        self.trailing = pending + nones[self.size]
        self.spliced = self.origin.startswith("_")  # its tree is spliced into its parent's children
        # a `?rule` of one kept child and nothing else: the child stands for it, untouched
        self.pass_through = self.inline and self.size == 1 and self.include == ((0, False, 0),) and not self.trailing
        # the children kept, when none is spliced and no optional is missing
        plain = not self.trailing and not any(splice or nones for _, splice, nones in include)
        self.simple = tuple(i for i, _, _ in include) if plain else None
        # a node of tokens (or nothing) only: one level deep
        self.leaf = (
            plain and not self.inline and not self.spliced and all(expansion[i].is_term for i in self.simple or ())
        )
        # a node of one token and nothing else (a number, a name)
        self.token = self.leaf and self.size == 1 and self.simple == (0,)
        # `_x_star: _x_star x`, lark's list of repeats: the list on the stack grows by the new one
        self.appended = (
            self.spliced
            and not self.inline
            and self.include == ((0, True, 0), (1, False, 0))
            and not self.trailing
            and str(expansion[0].name) == self.origin
        )


class Tables:
    """lark's parse table, rules and terminals, as the loop reads them."""

    def __init__(self, parser: Any) -> None:
        from lark.parsers.lalr_analysis import Shift

        conf = parser.lexer_conf
        table = parser.parser.parser.parser.parse_table
        rules: dict[Any, int] = {}
        for row in table.states.values():
            for action, argument in row.values():
                if action is not Shift:
                    rules.setdefault(argument, len(rules))
        placeholders = bool(parser.options.maybe_placeholders)
        self.rules = [Rule(i, rule, placeholders) for i, rule in enumerate(rules)]
        #: by state and symbol: the state to shift to (an int), the rule to reduce by, or for a rule
        #: whose one child stands for it, the rule's name (only the state changes)
        self.actions: dict[int, dict[str, int | str | Rule]] = {}
        for state, row in table.states.items():
            actions: dict[str, int | str | Rule] = {}
            for symbol, (action, argument) in row.items():
                if action is Shift:
                    actions[str(symbol)] = argument
                else:
                    rule = self.rules[rules[argument]]
                    actions[str(symbol)] = rule.origin if rule.pass_through else rule
            self.actions[state] = actions
        self.start: int = table.start_states["start"]
        self.end: int = table.end_states["start"]
        self.terminals = {t.name: t for t in conf.terminals}
        self.ignore = frozenset(conf.ignore)
        self.flags: int = conf.g_regex_flags
        self.newlines = frozenset(t.name for t in conf.terminals if _may_hold_newline(t.pattern.to_regexp()))
        # the blanks matched with the token after them: an ignored terminal nobody is called back for
        # (comments are: the formatter keeps them), whose line breaks are counted
        skips = sorted(self.ignore - set(conf.callbacks) & self.newlines)
        self.skip = skips[0] if skips else None
        self.kept = frozenset(
            s.name
            for rule in rules
            for s in rule.expansion
            if s.is_term and (rule.options.keep_all_tokens or not s.filter_out)
        )
        #: each rule's reduction as a function of its own (see :func:`reducer`), made at its first use
        self.reducers: list[Callable[[list[Entry], list[int], Any, int], int] | None] = [None] * len(self.rules)
        #: the lexer of each state, made the first time the state lexes
        self.lexers: list[Lexer | None] = [None] * (max(self.actions) + 1)
        self._by_accepts: dict[frozenset[str], Scanner] = {}
        #: where a run of rules whose one child stands for them leads: by the state under the child,
        #: the state on top and the next token (an expression's atom climbs through eight of them)
        self.chains: dict[tuple[int, int, str], int] = {}
        #: where a node of one token (a number, a name) leads, with the run of rules whose one child
        #: stands for it that follows: by the state under the token, the state on top and the next token
        self.after_token: dict[tuple[int, int, str], int] = {}

    def chain(self, under: int, top: int, kind: str) -> int:
        """The state on top once every rule whose one child stands for it is reduced before ``kind``."""
        while True:
            action = self.actions[top].get(kind)
            if action.__class__ is not str:
                return top
            top = self.actions[under][action]  # type: ignore[assignment]

    def after_token_of(self, under: int, top: int, kind: str, rule: Rule) -> int:
        """The state on top once ``rule`` (a node of one token) and the run of rules whose one child
        stands for it that follows are reduced before ``kind``; kept in :attr:`after_token`."""
        found = self.after_token[under, top, kind] = self.chain(under, self.actions[under][rule.origin], kind)  # type: ignore[arg-type]
        return found

    def scanner(self, state: int) -> Scanner:
        """The lexer for ``state``: its acceptable terminals and the ignored ones (one per set, as lark has)."""
        accepts = frozenset(self.actions[state])
        found = self._by_accepts.get(accepts)
        if found is None:
            names = (accepts | self.ignore) & self.terminals.keys()
            found = self._by_accepts[accepts] = Scanner([self.terminals[t] for t in names], self.flags, self.skip)
        return found

    def reducer(self, rule: Rule) -> Callable[[list[Entry], list[int], Any, int], int]:
        """The reduction by ``rule``, made once (:func:`reducer`)."""
        found = self.reducers[rule.index] = reducer(rule, self.actions)
        return found

    def lexer(self, state: int) -> Lexer:
        """The lexer for ``state``, made once: its scanner, and its actions as the token lexed finds them."""
        scanner = self.scanner(state)
        first: dict[str, object] = dict(self.actions[state])
        for kind in scanner.keywords:
            first[kind] = KEYWORD
        for kind in self.ignore:  # an ignored kind is skipped, even where a rule names it (as lark skips it)
            first.pop(kind, None)
        found = self.lexers[state] = Lexer(scanner.match, scanner.keywords, first)
        return found


def parse(
    tables: Tables,
    text: str,
    methods: Callable[[str], Any],
    comments: list[Comment] | None,
    comment_file: str,
    max_depth: int,
) -> Any:
    """The builder's result for ``text``: ``methods(name)`` is the builder's method for a rule.

    Raises :class:`Stop` where lark would raise a syntax error, and on nesting deeper than ``max_depth``.
    Comments met are put in ``comments`` with spans stamped ``comment_file`` (as lark's lexer callback
    stamps them while lark parses).
    """
    actions, lexers, chains, kept = tables.actions, tables.lexers, tables.chains, tables.kept
    reducers, after_token = tables.reducers, tables.after_token
    state = tables.start
    states = [state]
    stack: list[Entry] = []
    bound = _bound(tables, methods)
    pos, line, line_start, size = 0, 1, 0, len(text)
    # the first line break not yet counted (a token that ends before it crosses none)
    next_break = text.find("\n")
    if next_break < 0:
        next_break = size
    while pos < size:
        lexer = lexers[state] or tables.lexer(state)
        match = lexer.match(text, pos)
        if match is None:
            raise Stop
        kind: str = match.lastgroup  # type: ignore[assignment]
        start, end = match.span(kind)
        if end > next_break:  # a line break in the blanks before the token, or in it: count as lark counts
            start_line, column, line, line_start, next_break = _lines(
                tables, text, pos, start, end, kind, line, line_start
            )
        else:
            start_line, column = line, start - line_start + 1
        action: Any = lexer.first.get(kind)
        if action is None:
            if kind in tables.ignore:
                if kind == "COMMENT" and comments is not None:
                    place = (start_line, column, line, end - line_start + 1)
                    comments.append(Comment(text[start:end].rstrip(), n.span_at(place, comment_file)))
                pos = end
                continue
            raise Stop
        if action is KEYWORD:  # a name that may be a keyword here (`item`, `from`)
            kind = lexer.keywords[kind].get(text[start:end], kind)
            action = actions[state].get(kind)
        while True:  # reduce as lark reduces before this token, then shift it
            if action.__class__ is int:
                position = (start_line, column, line, end - line_start + 1)
                stack.append((Lexeme(kind, text[start:end], position) if kind in kept else None, position, 0))
                state = action
                states.append(state)
                break
            if action.__class__ is Rule:
                if action.token:  # a node of one token (a number, a name): the commonest reduction, in place
                    token, at, _ = stack[-1]
                    stack[-1] = (bound[action.index](at, [token]), at, 1)
                    last = after_token.get((states[-2], state, kind))
                    if last is None:
                        last = tables.after_token_of(states[-2], state, kind, action)
                    state = states[-1] = last
                else:
                    reduce = reducers[action.index] or tables.reducer(action)
                    state = reduce(stack, states, bound[action.index], max_depth)
            elif action.__class__ is str:  # rules whose one child stands for them: only the state changes
                key = (states[-2], state, kind)
                last = chains.get(key)
                if last is None:
                    last = chains[key] = tables.chain(states[-2], state, kind)
                state = states[-1] = last
            else:
                raise Stop
            action = actions[state].get(kind)
        pos = end
    return _ended(tables, states, stack, bound, max_depth)


def _lines(
    tables: Tables, text: str, pos: int, start: int, end: int, kind: str, line: int, line_start: int
) -> tuple[int, int, int, int, int]:
    """Line breaks counted as lark's lexer counts them: in the blanks skipped before a token and in a
    token that may hold one. The token's line and column; the line, its start and the next line break
    after the token."""
    if start != pos:
        breaks = text.count("\n", pos, start)
        if breaks:
            line += breaks
            line_start = text.rindex("\n", pos, start) + 1
    start_line, column = line, start - line_start + 1
    if kind in tables.newlines:
        breaks = text.count("\n", start, end)
        if breaks:
            line += breaks
            line_start = text.rindex("\n", start, end) + 1
    next_break = text.find("\n", end)
    return start_line, column, line, line_start, next_break if next_break >= 0 else len(text)


def _ended(tables: Tables, states: list[int], stack: list[Entry], bound: list[Any], max_depth: int) -> Any:
    """The reductions lark makes at the end of the input, up to its end state; the builder's result."""
    actions = tables.actions
    while states[-1] != tables.end:
        action = actions[states[-1]].get(END)
        if isinstance(action, str):
            states[-1] = actions[states[-2]][action]  # type: ignore[assignment]
        elif isinstance(action, Rule):
            _reduce(action, states, stack, bound[action.index], max_depth, actions)
        else:
            raise Stop
    if len(stack) != 1:
        raise Stop
    return stack[0][0]


def _bound(tables: Tables, methods: Callable[[str], Any]) -> list[Any]:
    """The builder's method for each rule that builds a node (None for the others)."""
    found: dict[str, Any] = {}
    bound: list[Any] = []
    for rule in tables.rules:
        if rule.pass_through or rule.spliced:
            bound.append(None)
        else:
            if rule.name not in found:
                found[rule.name] = methods(rule.name) or _no_method
            bound.append(found[rule.name])
    return bound


def _no_method(place: Any, children: list[Any]) -> Any:
    raise Stop  # lark would leave a tree where the builder has no method: left to lark


def _reduce(rule: Rule, states: list[int], stack: list[Entry], method: Any, max_depth: int, actions: Any) -> int:
    """Replace the rule's children on the stack by its result, as lark's tree builder and the builder
    make it; the state it leads to (pushed)."""
    size = rule.size
    if rule.token:  # a node of one token (a number, a name): the commonest reduction
        token, position, _ = stack[-1]
        stack[-1] = (method(position, [token]), position, 1)
        state = states[-1] = actions[states[-2]][rule.origin]
        return state  # type: ignore[no-any-return]
    if size:
        children = stack[-size:]
        del stack[-size:]
        del states[-size:]
        # lark's PropagatePositions: from the first and the last child with a place (dropped tokens included)
        first, last = children[0][1], children[-1][1]
        if first is None or last is None:
            position = _spanned(children)
        else:
            position = first if size == 1 else (first[0], first[1], last[2], last[3])
    else:
        children = []
        position = None
    simple = rule.simple
    if rule.leaf:
        entry = (method(position, [children[i][0] for i in simple] if simple else []), position, 1)
    elif rule.appended:  # `_x_star: _x_star x`: the list grows in place (copying it would be quadratic)
        entries = children[0][0]
        entries.append(children[1])
        entry = (entries, position, SPLICED)
    else:
        entries = [children[i] for i in simple] if simple is not None else _kept(rule, children)
        if rule.inline and len(entries) == 1:
            entry = _standing_for(entries[0], position)
        elif rule.spliced:
            entry = (entries, position, SPLICED)
        else:
            depth = 0  # tokens and missing optionals count 0
            for child in entries:
                if child[2] > depth:
                    depth = child[2]
            if depth >= max_depth:
                raise Stop
            entry = (method(position, [child[0] for child in entries]), position, depth + 1)
    stack.append(entry)
    state = actions[states[-1]][rule.origin]
    states.append(state)
    return state  # type: ignore[no-any-return]


def _spanned(children: list[Entry]) -> tuple[int, int, int, int] | None:
    """From the start of the first child with a place to the end of the last one."""
    first = last = None
    for child in children:
        if child[1] is not None:
            first = child[1]
            break
    for child in reversed(children):
        if child[1] is not None:
            last = child[1]
            break
    return None if first is None or last is None else (first[0], first[1], last[2], last[3])


def _standing_for(only: Entry, position: tuple[int, int, int, int] | None) -> Entry:
    """A ``?rule``'s one child, standing for it; a tree's container widened to the rule's place, as lark's
    PropagatePositions widens it (a token is left as it is)."""
    if only[2] > 0 and position is not None and position != only[1]:
        if only[1] is None:
            raise Stop  # a tree without a place would take this one (lark sets it): left to lark
        return (only[0], position, only[2])
    return only


def _kept(rule: Rule, children: list[Entry]) -> list[Entry]:
    """lark's ChildFilter: the children kept, ``_rule`` children spliced, None for each missing optional."""
    kept: list[Entry] = []
    for i, splice, nones in rule.include:
        if nones:
            kept += [MISSING] * nones
        if splice:
            kept += children[i][0]
        else:
            kept.append(children[i])
    if rule.trailing:
        kept += [MISSING] * rule.trailing
    return kept


def reducer(rule: Rule, actions: Any) -> Callable[[list[Entry], list[int], Any, int], int]:
    """A reduction by ``rule`` as a function of its own: ``reduce(stack, states, method, max_depth)``
    does what :func:`_reduce` does for the rule and returns the state it leads to.

    :func:`_reduce` asks at every reduction what kind of rule it reduces by, and walks the children to
    pick the kept ones and find the deepest; here that is asked once, and the function names the
    children it keeps (``c[1][0], c[3][0]``, a spliced list as ``*c[2][0]``, a missing optional as
    ``MISSING``) and compares only the depths of those that are rules (a token is 0 deep). The source
    is made from the grammar's tables alone (numbers and the rule's name, written with ``repr``);
    nothing of a parsed text goes into it. A node of one token keeps :func:`_reduce` (the loop
    reduces it in place).
    """
    if rule.token:

        def general(stack: list[Entry], states: list[int], method: Any, max_depth: int) -> int:
            return _reduce(rule, states, stack, method, max_depth, actions)

        return general
    lines = ["def reduce(stack, states, method, max_depth):", *_children_taken(rule)]
    if rule.simple is not None or rule.appended:
        lines += _plain_result(rule)
    else:
        lines += _filtered_result(rule)
    lines += [f"    state = actions[states[-1]][{rule.origin!r}]", "    states.append(state)", "    return state"]
    namespace: dict[str, Any] = {
        "actions": actions,
        "Stop": Stop,
        "SPLICED": SPLICED,
        "MISSING": MISSING,
        "_spanned": _spanned,
        "_standing_for": _standing_for,
    }
    exec(compile("\n".join(lines), f"<partyrules reduction by {rule.name!r}>", "exec"), namespace)
    made: Callable[[list[Entry], list[int], Any, int], int] = namespace["reduce"]
    return made


def _children_taken(rule: Rule) -> list[str]:
    """Source lines: the rule's children taken off the stack as ``c``, its place as ``position``."""
    size = rule.size
    if not size:
        return ["    c = []", "    position = None"]
    lines = [f"    c = stack[-{size}:]", f"    del stack[-{size}:]", f"    del states[-{size}:]"]
    if size == 1:
        return [*lines, "    position = c[0][1]"]
    return [
        *lines,
        "    first = c[0][1]",
        f"    last = c[{size - 1}][1]",
        "    position = (first[0], first[1], last[2], last[3])"
        + ("" if rule.edges else " if first is not None and last is not None else _spanned(c)"),
    ]


def _plain_result(rule: Rule) -> list[str]:
    """Source lines pushing the result of a rule whose kept children are known (none spliced or missing)."""
    simple = rule.simple or ()
    values = "[" + ", ".join(f"c[{i}][0]" for i in simple) + "]"
    if rule.leaf:
        return [f"    stack.append((method(position, {values}), position, 1))"]
    if rule.appended:
        return ["    entries = c[0][0]", "    entries.append(c[1])", "    stack.append((entries, position, SPLICED))"]
    if rule.inline and len(simple) == 1:
        return [f"    stack.append(_standing_for(c[{simple[0]}], position))"]
    if rule.spliced:
        return ["    stack.append(([" + ", ".join(f"c[{i}]" for i in simple) + "], position, SPLICED))"]
    trees = [i for i in simple if not rule.terms[i]]
    lines = [f"    depth = c[{trees[0]}][2]" if trees else "    depth = 0"]
    lines += [f"    if c[{i}][2] > depth: depth = c[{i}][2]" for i in trees[1:]]
    return [
        *lines,
        "    if depth >= max_depth: raise Stop",
        f"    stack.append((method(position, {values}), position, depth + 1))",
    ]


def _filtered_result(rule: Rule) -> list[str]:
    """Source lines pushing the result of a rule that splices a list or has missing optionals: the
    entries :func:`_kept` would make, written out, then what :func:`_reduce` does with them."""
    parts: list[str] = []
    for i, splice, nones in rule.include:
        parts += ["MISSING"] * nones
        parts.append(f"*c[{i}][0]" if splice else f"c[{i}]")
    parts += ["MISSING"] * rule.trailing
    lines = ["    entries = [" + ", ".join(parts) + "]"]
    if rule.inline:
        lines += ["    if len(entries) == 1:", "        stack.append(_standing_for(entries[0], position))"]
        lines += ["    else:", *("    " + line for line in _entries_result(rule))]
    else:
        lines += _entries_result(rule)
    return lines


def _entries_result(rule: Rule) -> list[str]:
    if rule.spliced:
        return ["    stack.append((entries, position, SPLICED))"]
    return [
        "    depth = 0",
        "    for child in entries:",
        "        if child[2] > depth: depth = child[2]",
        "    if depth >= max_depth: raise Stop",
        "    stack.append((method(position, [child[0] for child in entries]), position, depth + 1))",
    ]
