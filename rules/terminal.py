"""Seller text made safe to print on a terminal.

A listing title is written by whoever sells: it may hold escape sequences that print a
hyperlink to another site, retitle the terminal window or clear the screen, and bidi
overrides that make a line read differently from what it holds. Before any seller text goes
to a terminal (tables, scan verdicts, profile checks) those characters are shown as visible
escapes (ESC -> ``\\x1b``, RLO -> ``\\u202e``); exports keep the text as it is.
"""

from __future__ import annotations

import re

# Characters a terminal acts on or that reorder the line: C0, DEL, C1, bidi controls and
# marks, line and paragraph separators.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def escape_controls(text: str) -> str:
    """``text`` with control and bidi characters shown as escapes: ESC -> \\x1b, RLO -> \\u202e."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters (… at the end), then escaped: a cut never leaves
    an escape sequence open."""
    if len(text) > width:
        text = text[: width - 1] + "…"
    return escape_controls(text)
