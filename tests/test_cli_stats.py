"""`wangjian stats`: the campaign table, printed and as XLSX, over the leads of a period."""

from __future__ import annotations

import openpyxl
from click.testing import CliRunner
from test_cli_export import beijing_time, leads_url  # noqa: F401 - fixtures

from cli import main


def stats(url: str, *args: str):
    return CliRunner().invoke(main, ["stats", *args, "--database-url", url])


def test_the_table_counts_leads_by_category_province_and_platform(leads_url, tmp_path):  # noqa: F811
    url, _ = leads_url
    out = tmp_path / "统计.xlsx"
    done = stats(url, "--out", str(out))
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == "专项行动情况统计表（不限 至 不限）"
    total = next(line for line in lines if line.startswith("合计"))
    assert total.split() == ["合计", "5", "1", "0", "4"]  # L2 was referred
    book = openpyxl.load_workbook(out)
    sheet = book["统计"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["类别", "属地（省）", "平台", "线索", "已移送", "已排除", "未办结"]
    assert rows[-1][3:] == [5, 1, 0, 4] and sheet.freeze_panes == "A2"
    hubei = [r for r in rows[1:-1] if r[1] == "湖北省"]
    assert sum(r[3] for r in hubei) == 3  # L1 420704, L2 420702, L3 420100
    assert [r for r in rows if r[1] == "未能确定"][0][3] == 1  # L5 has no region
    assert dict(book["工作量"].iter_rows(values_only=True))["巡查次数"] == 3  # s1, s2, s3


def test_a_period_narrows_the_table_and_an_existing_file_is_kept(leads_url, tmp_path):  # noqa: F811
    url, _ = leads_url
    done = stats(url, "--since", "2026-11-04", "--until", "2026-11-05")
    assert done.exit_code == 0, done.output
    total = next(line for line in done.output.splitlines() if line.startswith("合计"))
    assert total.split()[1] == "2"  # L3 and L4
    out = tmp_path / "统计.xlsx"
    out.write_bytes(b"keep")
    done = stats(url, "--out", str(out))
    assert done.exit_code == 2 and "pass --force to replace it" in done.output
    assert out.read_bytes() == b"keep"
