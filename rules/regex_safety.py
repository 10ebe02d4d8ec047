r"""Refuse regular expressions that can backtrack catastrophically on a hostile listing.

A backtracking engine takes exponential time on a near-miss of a pattern such as ``(a+)+``,
``(a|a)*`` or ``(\w|\d\d)+``, and sellers write the text. Lint refuses the forms this check
sees (an unbounded repeat may not contain a variable-length repeat, nor alternatives that can
start alike — a class or "." may start like anything); what it misses is bounded at match
time: the matcher runs every pattern with a timeout (``rules.matcher.REGEX_TIMEOUT_S``) and the
verdict names a rule that ran out of it.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
_BIG = 10  # repeats bounded this low cannot blow up in practice
_ANY = "any"


def _children(op, av) -> list:
    if op in _REPEATS:
        return [av[2]]
    if op is C.SUBPATTERN:
        return [av[-1]]
    if op is C.BRANCH:
        return list(av[1])
    if op in (C.ASSERT, C.ASSERT_NOT):
        return [av[1]]
    if op is getattr(C, "ATOMIC_GROUP", None):
        return [av]
    if op is C.GROUPREF_EXISTS:
        return [p for p in av[1:] if p is not None]
    return []


def _has_variable_repeat(sub) -> bool:
    for op, av in sub:
        if op in _REPEATS and av[0] != av[1]:
            return True
        # The parser factors (a|aa) into a(|a): an empty alternative is an optional part.
        if op is C.BRANCH and any(not alt for alt in av[1]):
            return True
        if any(_has_variable_repeat(c) for c in _children(op, av)):
            return True
    return False


def _first(sub) -> set | str:
    """Literal first characters of a subpattern, or _ANY when it starts with "."."""
    for op, av in sub:
        if op is C.LITERAL:
            return {av}
        if op is C.SUBPATTERN:
            return _first(av[-1])
        if op is C.BRANCH:
            out: set = set()
            for alt in av[1]:
                f = _first(alt)
                if f == _ANY:
                    return _ANY
                out |= f
            return out
        if op is C.AT:
            continue
        # ".", a class ([0-9], \w, \d) or a negated literal may start like anything: (\w|\d\d)+
        # backtracks as (a|aa)+ does.
        return _ANY if op in (C.ANY, C.IN, C.NOT_LITERAL, C.CATEGORY) else set()
    return set()


def _branches_overlap(sub) -> bool:
    for op, av in sub:
        if op is C.BRANCH:
            firsts = [_first(alt) for alt in av[1]]
            for i, a in enumerate(firsts):
                for b in firsts[i + 1 :]:
                    if a == _ANY and b or b == _ANY and a or (a != _ANY and b != _ANY and a & b):
                        return True
        if any(_branches_overlap(c) for c in _children(op, av) if op is not C.BRANCH):
            return True
    return False


def _problem(sub) -> str | None:
    for op, av in sub:
        if op in _REPEATS and (av[1] == C.MAXREPEAT or av[1] > _BIG):
            body = av[2]
            if _has_variable_repeat(body):
                return (
                    "a repeat inside a repeat (like (a+)+, (.*)* or (a|a)*) "
                    "can backtrack catastrophically"
                )
            if _branches_overlap(body):
                return (
                    "repeated alternatives that can start with the same character "
                    "(like (a|a)* or (a|ab)+) can backtrack catastrophically"
                )
        for child in _children(op, av):
            found = _problem(child)
            if found:
                return found
    return None


def check_regex(pattern: str) -> str | None:
    """Return why ``pattern`` is refused, or None when it compiles and is safe."""
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    found = _problem(P.parse(pattern))
    if found:
        return f"refused pattern {pattern!r}: {found}; rewrite it without the nested repeat"
    return None
