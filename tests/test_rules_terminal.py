"""Seller text on a terminal: control and bidi characters shown, never acted on."""

from __future__ import annotations

from rules.terminal import escape_controls, shorten


def test_escapes_are_visible_and_ordinary_text_untouched():
    assert escape_controls("象牙\x1b[31m红\u202e反\x07") == "象牙\\x1b[31m红\\u202e反\\x07"
    assert escape_controls("正品 象牙手镯，包邮！") == "正品 象牙手镯，包邮！"


def test_a_cut_never_leaves_an_escape_sequence_open():
    text = "abcdefghi\x1b]8;;http://evil\x1b\\"
    cut = shorten(text, 12)
    assert cut == "abcdefghi\\x1b]…"
    assert "\x1b" not in cut
    assert shorten("短", 12) == "短"
