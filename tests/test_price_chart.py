"""The price history of a price hit, drawn (store/price_chart.py): the PNG chart is a real,
deterministic PNG that never lacks a glyph, the sparkline and terminal lines say exactly what
they document, `leads show` prints them under the hit, and a referral packet carries the chart
beside the lead's page, listed in its manifest and checked by `verify_packet`.

One chart is kept as ``test-artefacts/price-history.png`` (or under
``$WANGJIAN_TEST_ARTEFACTS``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from PIL import Image
from store_factories import T0, listing_item, new_sweep, stored, verdict
from wangjian_process import ROOT

from cli import main
from rules.price_checks import PriceGouging, RaiseThenDiscount, ReferencePrice
from rules.prices import PricePoint, PriceWindow
from rules.record import Hit, Record
from store.db import session_scope
from store.packet import MANIFEST, verify_packet
from store.price_chart import SIZE_INCHES, chart_png, price_lines, sparkline
from store.queries import list_leads, record_verdict
from store.referral import build_packet

ARTEFACTS = Path(os.environ.get("WANGJIAN_TEST_ARTEFACTS", ROOT / "test-artefacts"))
START = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
TITLE = "加厚羽绒服 男款 冬季新款"
# Mathtext, an emoji the CJK font lacks, a terminal escape: drawn as text, □, nothing.
HOSTILE = "羽绒服 $\\frac{1}{0}$ 限时 😀 抢购\x1b[31m 𠀀"
PNG = b"\x89PNG\r\n\x1a\n"


def raised_then_discounted() -> dict:
    """A 先涨价后打折 hit's evidence: 100 for three days, 150 (划线价 150) for seven, then
    "discounted" to 102 on 双11."""
    prices = [100] * 3 + [150] * 7
    history = [
        PricePoint(at=START + timedelta(days=i), price=p, original_price=None if p == 100 else 150)
        for i, p in enumerate(prices)
    ]
    record = Record(
        id="L1",
        kind="listing",
        title=TITLE,
        price=102,
        original_price=150,
        observed_at=START + timedelta(days=10),
        price_history=history,
        windows=[PriceWindow(name="双11", start="2026-11-11", end="2026-11-11")],
    )
    spec = SimpleNamespace(days=14, min_raise=0.2, tolerance=0.05)
    finding = RaiseThenDiscount().run(record, spec)
    assert finding is not None
    return finding.evidence


def fictitious_original() -> dict:
    """A 虚构原价 hit outside a promotion: 80 all week under a 划线价 of 199."""
    history = [
        PricePoint(at=START + timedelta(days=i), price=80, original_price=199) for i in range(7)
    ]
    record = Record(
        id="L2",
        kind="listing",
        title="电饭煲",
        price=80,
        original_price=199,
        observed_at=START + timedelta(days=7),
        price_history=history,
    )
    finding = ReferencePrice().run(record, SimpleNamespace(days=7, min_observations=3, tolerance=0))
    assert finding is not None
    return finding.evidence


def gouged() -> dict:
    """A 哄抬价格 hit: masks at about 20 (one sighting without a price), 80 in the emergency."""
    history = [
        PricePoint(at=START + timedelta(days=i), price=p)
        for i, p in enumerate([20, 21, None, 20, 20])
    ]
    record = Record(
        id="L3",
        kind="listing",
        title="N95口罩 50只",
        category="口罩",
        price=80,
        observed_at=START + timedelta(days=6),
        price_history=history,
        windows=[
            PriceWindow(kind="emergency", name="某地疫情应急", start="2026-11-06", end="2026-11-20")
        ],
    )
    spec = SimpleNamespace(days=7, goods=["口罩"], max_rise=0.5)
    finding = PriceGouging().run(record, spec)
    assert finding is not None
    return finding.evidence


# -- the chart -----------------------------------------------------------------------------


def test_the_chart_is_a_png_of_the_documented_size_and_kept_as_an_artefact():
    data = chart_png(raised_then_discounted(), TITLE)
    assert data.startswith(PNG)
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.format == "PNG"
    assert image.size == (900, 480) == tuple(round(x * 100) for x in SIZE_INCHES)
    assert b"Software" not in data  # no matplotlib version in the file
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "price-history.png").write_bytes(data)


def test_the_same_evidence_and_title_give_the_same_bytes():
    evidence = raised_then_discounted()
    first = chart_png(evidence, TITLE)
    assert chart_png(json.loads(json.dumps(evidence)), TITLE) == first
    assert chart_png(evidence, TITLE + "（另一款）") != first


@pytest.mark.parametrize("example", [raised_then_discounted, fictitious_original, gouged])
def test_no_glyph_is_missing_even_for_a_hostile_title(example):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = chart_png(example(), HOSTILE)
    assert data.startswith(PNG)
    assert [str(w.message) for w in caught] == []


# -- the terminal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prices", "width", "line"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8], 24, "▁▂▃▄▅▆▇█"),  # rising: one level a step
        ([0, 5, 10], 24, "▁▅█"),  # the middle rounds half up (3.5 -> ▅)
        ([5, 5, 5], 24, "▄▄▄"),  # flat
        ([5.0, 5.004], 24, "▄▄"),  # flat within a cent
        ([1, None, 3], 24, "▁ █"),  # a sighting without a price
        ([None, None], 24, "  "),
        ([], 24, ""),
        ([i // 2 for i in range(16)], 8, "▁▂▃▄▅▆▇█"),  # 16 -> 8: each block the mean of two
        ([None, None, 5, 5, 1, 1], 3, " █▁"),  # a bucket without a price is a space
        ([100] * 30 + [150] * 70 + [102], 10, "▁▁▁██████▇"),  # the last block: 10 × 150 and 102
    ],
)
def test_the_sparkline_says_exactly_what_it_documents(prices, width, line):
    assert sparkline(prices, width) == line
    assert len(line) == min(len(prices), width)


def test_a_sparkline_is_at_least_one_wide():
    with pytest.raises(ValueError):
        sparkline([1, 2], 0)


def test_price_lines_give_the_trend_the_window_and_the_basis():
    assert price_lines(raised_then_discounted()) == [
        "价格走势 11-01…11-11  ▁▁▁███████▁  ¥100.00 → ¥150.00 → ¥102.00",
        "促销 双11（2026-11-11至2026-11-11）",
        "比较期 10-28至11-10（观测 10 次）：提价前价格 ¥100.00，提价后价格 ¥150.00；"
        "本次售价 ¥102.00（划线价 ¥150.00）",
    ]
    assert price_lines(fictitious_original()) == [  # no window: the week before the sighting
        "价格走势 11-01…11-08  ▄▄▄▄▄▄▄▄  ¥80.00",
        "比较期 11-01至11-08（观测 7 次）：最低价 ¥80.00；本次售价 ¥80.00（划线价 ¥199.00）",
    ]
    assert price_lines(gouged()) == [
        "价格走势 11-01…11-07  ▁▁ ▁▁█  ¥20.00 → ¥80.00",
        "应急 某地疫情应急（2026-11-06至2026-11-20）",
        "比较期 10-30至11-05（观测 4 次）：常见价 ¥20.00；本次售价 ¥80.00",
    ]
    assert price_lines(None) == price_lines({}) == price_lines({"history": []}) == []


# -- leads show and the referral packet ----------------------------------------------------


def price_hit(evidence: dict) -> Hit:
    return Hit(
        pack_id="fake_promotion",
        pack_version="2026.1",
        rule_id="raise_then_discount",
        severity="high",
        weight=10,
        field="record",
        term="raise_then_discount",
        via="check",
        note="双11前先将价格由 ¥100.00 提高至 ¥150.00（11-04），促销价 ¥102.00 并不低于提价前",
        evidence=evidence,
    )


@pytest.fixture
def a_price_lead(db_engine, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("WANGJIAN_DATA_DIR", str(data))
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        item = listing_item(
            "L1",
            price=102.0,
            original_price=150.0,
            at=T0,
            title=TITLE,
            ship_from="湖北 鄂州",
            shop_url=None,
            shop_external_id=None,
        )
        listing = stored(s, sweep, item)
        (lead,) = record_verdict(
            s, sweep, listing, verdict(price_hit(raised_then_discounted())), when=T0
        )
        lead_id = lead.id
    return db_engine.url.render_as_string(hide_password=False), lead_id, data


def test_leads_show_prints_the_price_lines_under_the_hit(a_price_lead):
    url, lead_id, _ = a_price_lead
    done = CliRunner().invoke(main, ["leads", "show", str(lead_id), "--database-url", url])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  raise_then_discount  "))
    shown = [line for line in lines[at + 1 : at + 5] if not line.startswith("    依据")]
    assert shown[:3] == [
        "    价格走势 11-01…11-11  ▁▁▁███████▁  ¥100.00 → ¥150.00 → ¥102.00",
        "    促销 双11（2026-11-11至2026-11-11）",
        "    比较期 10-28至11-10（观测 10 次）：提价前价格 ¥100.00，提价后价格 ¥150.00；"
        "本次售价 ¥102.00（划线价 ¥150.00）",
    ]


def test_the_referral_packet_carries_the_chart_listed_in_its_manifest(
    a_price_lead, db_engine, tmp_path
):
    _, lead_id, data = a_price_lead
    with session_scope(db_engine, read_only=True) as s:
        rows = list_leads(s, region="42")
    assert [r.id for r in rows] == [lead_id]
    out = tmp_path / "移送-湖北"
    build_packet(db_engine, data, rows, out, region="42", actor="张三", printer=None)

    chart = f"leads/lead-{lead_id}-价格走势-raise_then_discount.png"
    png = (out / chart).read_bytes()
    assert png == chart_png(raised_then_discounted(), TITLE)
    manifest = json.loads((out / MANIFEST).read_bytes())
    listed = {f["path"]: f for f in manifest["files"]}
    assert listed[chart]["sha256"] == hashlib.sha256(png).hexdigest()
    assert listed[chart]["size"] == len(png)
    (lead,) = manifest["leads"]
    assert lead["charts"] == [chart]
    page = (out / lead["page"]).read_text(encoding="utf-8")
    assert f'<img class="shot" src="../{chart}"' in page
    assert "价格走势 11-01…11-11  ▁▁▁███████▁  ¥100.00 → ¥150.00 → ¥102.00" in page

    problems, checked = verify_packet(out)
    assert problems == [] and checked["leads"] == 1
    (out / chart).write_bytes(png + b"\0")
    problems, _ = verify_packet(out)
    assert any(p.startswith(f"{chart}: 文件已被改动") for p in problems), problems
