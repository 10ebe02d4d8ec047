"""`wangjian leads export`: CSV, XLSX and JSON files that keep hostile seller text inert,
written whole or not at all, with the filters `leads list` shares."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from store_factories import T0, hit, listing_item, new_sweep, stored, verdict

from cli import main
from store.db import session_scope
from store.export import COLUMNS
from store.leads import set_lead_status
from store.queries import record_verdict, start_sweep

DAY = timedelta(days=1)
FORMULA = '=HYPERLINK("http://x","y") 象牙'
SCRIPT = "<script>alert(1)</script>"
MINUS = "-50% 清仓 全网最低价"


@pytest.fixture(autouse=True)
def beijing_time(monkeypatch):
    """Exports show local time; the investigators' clock is Beijing's (UTC+8, no DST)."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _file(s, sweep, external_id, title, region, when, score, *hits, categories=None):
    item = listing_item(
        external_id,
        at=when,
        title=title,
        ship_from="",
        shop_url=None,
        shop_external_id=None,
        platform=sweep.platform.code,
    )
    listing = stored(s, sweep, item)
    listing.ship_from_code = region  # no shop: the lead's region is the listing's own
    found = verdict(*hits, categories=categories)
    found = found.model_copy(update={"pack_scores": {c: score for c in found.categories}})
    (lead,) = record_verdict(s, sweep, listing, found, when=when)
    return lead.id


@pytest.fixture
def leads_url(db_engine) -> tuple[str, dict[str, int]]:
    """Five listing leads over three sweeps and two platforms, seen a day apart at 16:00
    Beijing time from 2026-11-02 (L1) to 2026-11-06 (L5); the URL and the sweep ids."""
    with session_scope(db_engine) as s:
        s1, s2 = new_sweep(s), new_sweep(s)
        s3 = start_sweep(s, "bazaar", "集市", "http://127.0.0.1:9000", None, {})
        ivory = hit("wildlife", "象牙", 0, "wildlife.ivory")
        weapons = hit("prohibited_goods", "script", 1, "prohibited_goods.weapons")
        pangolin = hit("wildlife", "穿山甲片", 2, "wildlife.pangolin")
        lowest = hit("fake_promotion", "全网最低价", 7, "fake_promotion.lowest")
        _file(s, s1, "L1", FORMULA, "420704", T0 + DAY, 12.5, ivory)
        referred = _file(s, s2, "L2", SCRIPT, "420702", T0 + 2 * DAY, 5.0, weapons)
        _file(s, s3, "L3", "野生穿山甲片", "420100", T0 + 3 * DAY, 10.0, pangolin)
        # Its wildlife hit is below the pack's threshold: no wildlife lead, --rule skips L4.
        promo = ["fake_promotion"]
        _file(s, s2, "L4", MINUS, "110105", T0 + 4 * DAY, 20.0, lowest, ivory, categories=promo)
        _file(s, s2, "L5", "无产地 象牙", None, T0 + 5 * DAY, 5.0, ivory)
        set_lead_status(s, referred, "referred", by="tester")
        sweeps = {"s1": s1.id, "s2": s2.id, "s3": s3.id}
    return db_engine.url.render_as_string(hide_password=False), sweeps


@pytest.fixture
def folder(tmp_path) -> Path:
    """Where exports go (the SQLite file lives elsewhere under tmp_path)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def export(url: str, *args: str):
    return CliRunner().invoke(main, ["leads", "export", *args, "--database-url", url])


def test_xlsx_holds_no_formula_and_typed_cells(leads_url, folder):
    url, _ = leads_url
    out = folder / "线索.xlsx"
    result = export(url, "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"已导出 5 条线索（XLSX）到 {out.resolve()}\n"

    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "线索" and sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows())
    headings = [heading for heading, _ in COLUMNS]
    assert [c.value for c in rows[0]] == headings
    assert [c.coordinate for row in rows for c in row if c.data_type == "f"] == []
    at = headings.index("平台编号")
    by_id = {row[at].value: dict(zip(headings, row, strict=True)) for row in rows[1:]}

    l1 = by_id["L1"]
    assert l1["标题/店铺名"].value.startswith("'") and l1["标题/店铺名"].data_type == "s"
    assert l1["标题/店铺名"].value == "'" + FORMULA
    assert by_id["L4"]["标题/店铺名"].value == "'" + MINUS
    assert by_id["L2"]["标题/店铺名"].value == SCRIPT  # not a formula: kept as it is
    assert l1["最近发现"].value == datetime(2026, 11, 2, 16, 0)  # local time, no zone
    assert l1["最近发现"].is_date and "yyyy" in l1["最近发现"].number_format
    assert isinstance(l1["分值"].value, float) and l1["分值"].value == 12.5
    assert {r["分值"].data_type for r in by_id.values()} == {"n"}
    assert isinstance(l1["线索编号"].value, int)
    assert (l1["类别"].value, l1["属地代码"].value) == ("野生动植物及其制品", "420704")
    assert by_id["L5"]["属地代码"].value is None
    widths = {letter: d.width for letter, d in sheet.column_dimensions.items()}
    title = openpyxl.utils.get_column_letter(headings.index("标题/店铺名") + 1)
    assert widths[title] > widths["A"] >= 8  # titles get room, within bounds
    assert max(widths.values()) <= 60


def test_csv_has_a_bom_and_neutralised_cells(leads_url, folder):
    url, _ = leads_url
    out = folder / "leads.csv"
    result = export(url, "--out", str(out))  # the format from the extension
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = {r["平台编号"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert lines["L1"]["标题/店铺名"] == "'" + FORMULA
    assert lines["L4"]["标题/店铺名"] == "'" + MINUS
    assert lines["L2"]["标题/店铺名"] == SCRIPT
    assert (lines["L1"]["分值"], lines["L1"]["最近发现"]) == ("12.5", "2026-11-02 16:00:00")
    assert lines["L5"]["属地代码"] == ""


def test_json_has_english_keys_and_nulls_as_leads_list(leads_url, folder):
    url, _ = leads_url
    out = folder / "leads.json"
    assert export(url, "--format", "json", "--out", str(out)).exit_code == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [r["external_id"] for r in records] == ["L5", "L4", "L3", "L2", "L1"]
    absent = ("region_code", "region_name", "shop_name", "uscc", "cleared_at")
    assert {key: records[0][key] for key in absent} == dict.fromkeys(absent)  # null
    assert '"region_code": null' in out.read_text(encoding="utf-8")
    assert records[-1]["title"] == FORMULA  # JSON is for scripts: text as the seller wrote it
    listed = CliRunner().invoke(main, ["leads", "list", "--format", "json", "--database-url", url])
    assert json.loads(listed.output) == records


#: (filter arguments, the leads they keep, newest first).
FILTERS = [
    ((), "L5 L4 L3 L2 L1"),
    (("--region", "42"), "L3 L2 L1"),
    (("--region", "420000"), "L3 L2 L1"),
    (("--region", "4207"), "L2 L1"),
    (("--region", "420700"), "L2 L1"),
    (("--region", "420704"), "L1"),
    (("--region", "4201"), "L3"),
    (("--region", "11"), "L4"),
    (("--region", "44"), ""),
    (("--category", "wildlife"), "L5 L3 L1"),
    (("--pack", "fake_promotion"), "L4"),
    (("--rule", "wildlife.ivory"), "L5 L1"),
    (("--rule", "ivory"), "L5 L1"),
    (("--rule", "pangolin"), "L3"),
    (("--min-score", "10"), "L4 L3 L1"),
    (("--min-score", "12.5"), "L4 L1"),
    (("--platform", "bazaar"), "L3"),
    (("--platform", "demo"), "L5 L4 L2 L1"),
    (("--sweep", "s2"), "L5 L4 L2"),
    (("--since", "2026-11-04"), "L5 L4 L3"),
    (("--until", "2026-11-03"), "L2 L1"),
    (("--until", "2026-11-03 12:00:00"), "L1"),
    (("--since", "2026-11-03", "--until", "2026-11-04"), "L3 L2"),
    (("--status", "referred"), "L2"),
    (("--region", "42", "--category", "wildlife", "--min-score", "11"), "L1"),
]


def test_each_filter_narrows_list_and_export_alike(leads_url, folder):
    url, sweeps = leads_url
    runner = CliRunner()
    exported, listed = {}, {}
    for n, (args, _) in enumerate(FILTERS):
        args = tuple(str(sweeps.get(a, a)) for a in args)
        out = folder / f"{n}.json"
        done = export(url, *args, "--out", str(out))
        assert done.exit_code == 0, (args, done.output)
        exported[args] = " ".join(r["external_id"] for r in json.loads(out.read_text()))
        shown = runner.invoke(
            main, ["leads", "list", *args, "--format", "json", "--database-url", url]
        )
        listed[args] = " ".join(r["external_id"] for r in json.loads(shown.output))
    expected = {tuple(str(sweeps.get(a, a)) for a in args): ids for args, ids in FILTERS}
    assert exported == expected
    assert listed == expected


@pytest.mark.parametrize("region", ["4", "420", "42070", "4207041", "４２"])
def test_a_region_of_no_level_is_refused(leads_url, folder, region):
    url, _ = leads_url
    result = export(url, "--region", region, "--out", str(folder / "x.csv"))
    assert result.exit_code == 2 and "is not a region code" in result.output
    assert list(folder.iterdir()) == []


def test_an_existing_file_is_kept_unless_forced(leads_url, folder):
    url, _ = leads_url
    out = folder / "leads.xlsx"
    assert export(url, "--out", str(out)).exit_code == 0
    before = out.read_bytes()
    refused = export(url, "--category", "wildlife", "--out", str(out))
    assert refused.exit_code == 2
    assert refused.output == f"Error: {out} already exists: pass --force to replace it\n"
    assert out.read_bytes() == before
    forced = export(url, "--category", "wildlife", "--out", str(out), "--force")
    assert forced.exit_code == 0 and "已导出 3 条线索" in forced.output
    assert openpyxl.load_workbook(out).active.max_row == 4
    assert [p.name for p in folder.iterdir()] == ["leads.xlsx"]  # no temporary left


def test_leads_list_output_still_replaces_its_file(leads_url, folder):
    url, _ = leads_url
    out = folder / "leads.csv"
    out.write_text("old", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["leads", "list", "--format", "csv", "-o", str(out), "--database-url", url]
    )
    assert result.exit_code == 0 and "已导出 5 条线索到" in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf\xe7\xba\xbf")  # BOM, then 线


@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("missing/leads.csv", "does not exist"),
        ("a-file/leads.csv", "is not a folder"),
    ],
)
def test_a_folder_that_cannot_take_the_file_is_one_line(leads_url, folder, where, said):
    url, _ = leads_url
    (folder / "a-file").write_text("", encoding="utf-8")
    result = export(url, "--out", str(folder / where))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and said in result.output
    assert result.output.startswith(f"Error: cannot write {folder / where}: ")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_line(leads_url, folder):
    url, _ = leads_url
    read_only = folder / "ro"
    read_only.mkdir(mode=0o555)
    out = read_only / "leads.xlsx"
    result = export(url, "--out", str(out))
    assert result.exit_code == 2
    assert result.output == f"Error: cannot write {out}: folder {read_only} is not writable\n"


def test_a_refused_write_is_one_line_even_for_root(leads_url, folder, monkeypatch):
    import store.export

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    url, _ = leads_url
    monkeypatch.setattr(store.export, "open", refused, raising=False)
    result = export(url, "--out", str(folder / "leads.csv"))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: cannot write {folder / 'leads.csv'}: folder {folder} is not writable\n"
    )


def test_a_failed_export_leaves_no_file(leads_url, folder, monkeypatch):
    import store.xlsx

    def full_disk(rows, stream, labels=None):
        stream.write(b"PK half a workbook")
        raise OSError(28, "No space left on device")

    url, _ = leads_url
    monkeypatch.setattr(store.xlsx, "write_xlsx", full_disk)
    result = export(url, "--out", str(folder / "leads.xlsx"))
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert list(folder.iterdir()) == []


def test_a_file_of_no_known_format_is_refused(leads_url, folder):
    url, _ = leads_url
    result = export(url, "--out", str(folder / "leads.txt"))
    assert result.exit_code == 2 and "pass --format csv, xlsx or json" in result.output
