from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from store.export import write_leads
from store.leads import LeadRow

SEEN = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


def row(lead_id: int, category: str, kind: str, status: str, title: str) -> LeadRow:
    return LeadRow(
        id=lead_id,
        category=category,
        score=5.0,
        status=status,
        pack_version="2026.1.0",
        region_code=None,
        region_name=None,
        kind=kind,
        platform="demo",
        external_id=f"X{lead_id}",
        url=f"http://127.0.0.1/x/{lead_id}",
        title=title,
        shop_name=None,
        uscc=None,
        first_seen=SEEN,
        last_seen=SEEN,
        matched="象牙",
    )


def test_csv_reads_in_chinese_and_keeps_formulas_as_text():
    rows = [
        row(1, "wildlife", "listing", "new", "正品象牙手镯"),
        row(2, "my_pack", "shop", "referred", "=HYPERLINK(1)"),
        row(3, "odd_pack", "ad", "odd_status", "广告"),
    ]
    out = io.StringIO()
    write_leads(rows, "csv", out, labels={"my_pack": "自定义包"})
    lines = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["类别"], r["对象"], r["状态"]) for r in lines] == [
        ("野生动植物及其制品", "商品", "待核查"),  # shipped title without any labels given
        ("自定义包", "店铺", "已移送"),
        ("odd_pack", "广告", "odd_status"),
    ]
    assert lines[1]["标题/店铺名"] == "'=HYPERLINK(1)"


HOSTILE = "\x1b]8;;http://evil.example\x1b\\象牙手镯\x1b]8;;\x1b\\ \u202e镯手\x1b]0;pwned\x07"


def test_the_table_shows_terminal_escapes_in_seller_text_as_visible_escapes():
    out = io.StringIO()
    write_leads([row(1, "wildlife", "listing", "new", HOSTILE)], "table", out)
    text = out.getvalue()
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\x1b]8;;http://evil" in text  # cut at 28 characters, then escaped


def test_csv_keeps_seller_text_as_it_is():
    out = io.StringIO()
    write_leads([row(1, "wildlife", "listing", "new", HOSTILE)], "csv", out)
    (line,) = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert line["标题/店铺名"] == HOSTILE


def test_xlsx_shows_control_characters_as_escapes_instead_of_failing():
    import openpyxl

    from store.xlsx import write_xlsx

    out = io.BytesIO()
    write_xlsx([row(1, "wildlife", "listing", "new", HOSTILE)], out)
    out.seek(0)
    sheet = openpyxl.load_workbook(out).active
    column = [c.value for c in sheet[1]].index("标题/店铺名") + 1
    title = sheet.cell(row=2, column=column).value
    # XML cannot hold ESC or BEL: shown as on a terminal; the bidi override is kept as text.
    assert title.startswith("\\x1b]8;;http://evil.example\\x1b\\象牙手镯")
    assert "\x1b" not in title and title.endswith("\\x07")


def test_neutralised_quotes_formula_starts_only_in_text():
    from store.export import neutralised

    assert [neutralised(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
    ]
    assert [neutralised(v) for v in ("象牙 =1", -3.0, 7, None)] == ["象牙 =1", -3.0, 7, None]
