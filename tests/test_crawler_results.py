"""What a scan prints for people: seller text never acts on the terminal."""

from __future__ import annotations

from crawler.results import ScanResult
from rules.items import ListingItem, PageCapture
from rules.record import Hit, Verdict

HOSTILE = "\x1b]0;pwned\x07象牙手镯\u202e"
PAGE = PageCapture.of("http://127.0.0.1/item/L1", 200, b"<html></html>", "utf-8")


def test_a_scan_verdict_escapes_the_sellers_control_characters():
    item = ListingItem(platform="demo", url=PAGE.url, external_id="L1", title=HOSTILE, page=PAGE)
    start = HOSTILE.index("象牙")
    hit = Hit(
        pack_id="wildlife",
        pack_version="1",
        rule_id="wildlife.ivory",
        severity="critical",
        weight=10,
        field="title",
        start=start,
        end=start + 2,
        matched="象牙",
        term="象牙",
    )
    verdict = Verdict(
        score=10, lead=True, categories=["wildlife"], pack_scores={"wildlife": 10}, hits=[hit]
    )
    text = ScanResult.of_item(PAGE.url, item, verdict).render()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "「\\x1b]0;pwned\\x07象牙手镯\\u202e」" in text
    assert "【象牙】" in text
