r"""Pack regexes, compiled with RE2: matching takes time linear in the text, whatever the pattern.

A backtracking engine (Python's ``re``, the ``regex`` module) takes exponential time on a
near-miss of patterns such as ``(a+)+``, ``(a|aa)*`` or ``(\w|\d\d)+z``, and sellers write the
text. RE2 (google-re2) has no backtracking, so no pattern can hang a sweep; in exchange it
lacks the constructs that need it, which lint names with their place in the pattern:
lookahead and lookbehind, backreferences, conditionals, atomic groups and possessive repeats.

Patterns keep Python's meaning where RE2's differs: ``\d``, ``\w`` and ``\s`` are Unicode
classes as in Python (RE2's are ASCII only: ``\w`` would not match a Chinese character),
``\Z`` is the end of the text, ``\uXXXX`` a character, ``x{,3}`` a repeat. ``\b`` and ``\B``
are refused: RE2's are ASCII only, and the normalised text has no spaces to stand between
words anyway.

What a lookaround did, a group named ``hit`` does: ``(?P<hit>no1)(?:[^0-9]|$)`` requires
the context (a character that is not a digit, or the end) and reports only the ``hit`` span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import re2

#: Python's Unicode classes, written in RE2 (str.isalnum, str.isdecimal, str.isspace).
_WORD = r"\p{L}\p{N}_"
_DIGIT = r"\p{Nd}"
_SPACE = r"\t\n\v\f\r\x1c-\x1f\x{85}\p{Z}"
#: Escapes rewritten outside a character class [...] and inside one.
_OUTSIDE = {
    "d": _DIGIT,
    "D": r"\P{Nd}",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
    "Z": r"\z",
}
_INSIDE = {"d": _DIGIT, "D": r"\P{Nd}", "w": _WORD, "s": _SPACE, "b": r"\x08"}
#: What RE2 lacks, by how the construct opens after "(".
_GROUPS = {
    "?=": "a lookahead (?=…)",
    "?!": "a negative lookahead (?!…)",
    "?<=": "a lookbehind (?<=…)",
    "?<!": "a negative lookbehind (?<!…)",
    "?P=": "a backreference (?P=name)",
    "?>": "an atomic group (?>…)",
    "?(": "a conditional group (?(…)…)",
    "?#": "a comment (?#…)",
}
_HINT = {
    "look": "write the context into the pattern and name the part to report (?P<hit>…), "
    "e.g. (?P<hit>no1)(?:[^0-9]|$) for no1(?![0-9]); or list the harmless compounds in "
    "exclude",
    "ref": "RE2 matches in linear time and cannot refer back to a group",
    "other": "RE2 matches in linear time and has no such construct",
}
_POSSESSIVE = re.compile(r"[*+?]\+")  # a{2}+: RE2 says "bad repetition"
_OCTAL = re.compile("[0-7]{3}")  # \123 is a character, \1 and \12 refer to groups
_FLAGS = re.compile(r"\(\?([a-zA-Z-]+)[:)]")  # (?i), (?s-i:…)
_UP_TO = re.compile(r"\{,(\d*)\}")  # x{,3}, x{,}
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the error is reported as a lint issue, not logged on stderr


class PatternError(ValueError):
    """A pattern that is not valid or uses what RE2 does not support; the message says which."""


def _unsupported(pattern: str, at: int, what: str, hint: str) -> PatternError:
    return PatternError(
        f"pattern '{pattern}' uses {what} at character {at + 1}, which pack regexes do not "
        f"support: {_HINT[hint]}"
    )


def _group(pattern: str, i: int) -> None:
    """Refuse an unsupported construct opening at ``pattern[i] == "("``."""
    for opening, what in _GROUPS.items():
        if pattern.startswith(opening, i + 1):
            kind = "look" if "look" in what else "ref" if "reference" in what else "other"
            raise _unsupported(pattern, i, what, kind)
    flags = _FLAGS.match(pattern, i)
    if flags and set(flags.group(1)) - set("ims-"):
        raise PatternError(
            f"pattern '{pattern}' sets the flags {flags.group(0)} at character {i + 1}: "
            "pack regexes know i (case), m (lines) and s (dot matches a newline) only"
        )


def translate(pattern: str) -> str:
    """``pattern`` with Python's meanings written in RE2; PatternError for what RE2 lacks."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e in "uU":  # \uXXXX, \UXXXXXXXX: one character
                width = 4 if e == "u" else 8
                digits = pattern[i + 2 : i + 2 + width]
                if len(digits) == width and all(d in "0123456789abcdefABCDEF" for d in digits):
                    out.append(f"\\x{{{digits}}}")
                    i += 2 + width
                    continue
            elif not in_class and e in "bB":
                raise PatternError(
                    f"pattern '{pattern}' uses \\{e} at character {i + 1}, which pack regexes "
                    "do not support: the normalised text has no spaces or punctuation between "
                    "words; use a term (terms match on word edges), or ^ and $ for the ends "
                    "of the field"
                )
            elif not in_class and e in "123456789" and not _OCTAL.fullmatch(pattern[i + 1 : i + 4]):
                raise _unsupported(pattern, i, f"a backreference (\\{e})", "ref")
            elif in_class and e in "WS":
                raise PatternError(
                    f"pattern '{pattern}' uses \\{e} inside [...] at character {i + 1}: "
                    f"write the class negated instead ([^...] with \\{e.lower()})"
                )
            table = _INSIDE if in_class else _OUTSIDE
            out.append(table.get(e, pattern[i : i + 2]))
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            out.append(c)
            i += 1
            # "]" first in a class (after an optional "^") is a literal, as in Python
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):
                out.append("\\]")
                i += 1
            continue
        elif c == "(":
            _group(pattern, i)
        elif c == "{":  # Python reads x{,3} as x{0,3}; RE2 would read it as text
            m = _UP_TO.match(pattern, i)
            if m:
                out.append(f"{{0,{m.group(1)}}}")
                i = m.end()
                continue
        elif _POSSESSIVE.match(pattern, i):
            raise _unsupported(pattern, i, f"a possessive repeat ({pattern[i : i + 2]})", "other")
        out.append(c)
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Pattern:
    """One compiled pack regex."""

    source: str  # as the pack wrote it
    regex: re2._Regexp
    hit: int  # the group whose span is the hit ("hit"), or 0: the whole match

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of the hit of each non-empty match, left to right; the search goes on
        after the whole match (its context included)."""
        for m in self.regex.finditer(text):
            start, end = m.span(self.hit)
            if start < 0:  # the hit group took no part in this match
                start, end = m.span()
            if end > start:
                yield start, end

    def search(self, text: str) -> bool:
        return self.regex.search(text) is not None

    def __deepcopy__(self, memo) -> Pattern:
        return self  # immutable (Scrapy deep-copies its settings, the Scorer among them)


class PatternSet:
    """Which of many patterns occur in a text, found in one pass (RE2's Set), so that only
    those are run for their spans. A Set whose DFA ran out of memory reports nothing; an empty
    pattern that matches every text tells that apart from "none occurs", and then every
    pattern is run."""

    def __init__(self, patterns: list[Pattern]):
        self.patterns = patterns
        self._all = range(len(patterns))
        self._set: re2.Set | None = re2.Set.SearchSet(_OPTIONS)
        try:
            for pattern in ["", *(p.regex.pattern for p in patterns)]:
                self._set.Add(pattern)
            self._set.Compile()
        except re2.error:  # too large for one Set: run each pattern
            self._set = None

    def __reduce__(self):  # RE2's Set cannot be pickled: built again from the patterns
        return PatternSet, (self.patterns,)

    def __deepcopy__(self, memo) -> PatternSet:
        return self  # immutable

    def occurring(self, text: str) -> Iterable[int]:
        """Indices (into ``patterns``) of the patterns that may match ``text``."""
        found = self._set.Match(text) if self._set is not None else None
        if not found or 0 not in found:
            return self._all
        return [i - 1 for i in found if i]


def compile_pattern(pattern: str) -> Pattern:
    """Compile a pack regex with RE2; PatternError says what is wrong or unsupported."""
    try:
        compiled = re2.compile(translate(pattern), _OPTIONS)
    except re2.error as exc:
        why = exc.args[0].decode("utf-8", "replace") if exc.args else "cannot be compiled"
        raise PatternError(f"invalid regular expression: {why}") from None
    return Pattern(pattern, compiled, compiled.groupindex.get("hit", 0))


def check_regex(pattern: str) -> str | None:
    """Why ``pattern`` is refused, or None when it compiles."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return None
