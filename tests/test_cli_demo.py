"""`wangjian demo` end to end, in its own process, graded against the catalogue's truth.

The grade is computed here from the database, not read off the demo's own printout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.demo.catalog import build_catalog
from crawler.groundtruth import compare
from store.db import make_engine, session_scope
from store.leads import list_leads

ROOT = Path(__file__).resolve().parents[1]
SIZE, SEED = 300, 7
CATEGORIES = {"wildlife", "prohibited_goods", "fake_promotion", "license_display"}


def run_demo(data_dir: Path) -> subprocess.CompletedProcess:
    # Evidence capture is tested in tests/test_evidence.py; here, the leads.
    env = {**os.environ, "WANGJIAN_DATA_DIR": str(data_dir), "WANGJIAN_CAPTURE": "false"}
    env.pop("WANGJIAN_DATABASE_URL", None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "demo",
            "--size",
            str(SIZE),
            "--seed",
            str(SEED),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo")
    first = run_demo(data_dir)
    assert first.returncode == 0, first.stderr[-3000:]
    return data_dir, first.stdout


def _found(db_url: str) -> dict:
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        rows = list_leads(s)
    engine.dispose()
    found: dict = {}
    for row in rows:
        found.setdefault((row.kind, row.external_id), set()).add(row.category)
    return found


def test_demo_leads_match_the_ground_truth(demo_db):
    data_dir, stdout = demo_db
    truth = build_catalog(seed=SEED, size=SIZE).truth
    result = compare(truth, _found(f"sqlite:///{data_dir / 'wangjian.db'}"))
    assert set(result.by_category) == CATEGORIES
    for category, score in result.by_category.items():
        assert score.tp > 0, category
        # A broken rule, extraction or store step drops one of these below its floor.
        assert score.recall >= 0.95, (category, result.missed)
        assert score.precision >= 0.95, (category, result.false)
    assert "扫描完成" in stdout and "合计" in stdout


def test_demo_twice_does_not_duplicate_leads(demo_db):
    data_dir, _ = demo_db
    url = f"sqlite:///{data_dir / 'wangjian.db'}"
    before = _found(url)
    again = run_demo(data_dir)
    assert again.returncode == 0, again.stderr[-3000:]
    engine = make_engine(url)
    with session_scope(engine) as s:
        rows = list_leads(s)
    engine.dispose()
    keys = [(r.kind, r.external_id, r.category) for r in rows]
    assert len(keys) == len(set(keys))
    assert _found(url) == before


def test_leads_list_filters_and_formats(demo_db):
    data_dir, _ = demo_db
    url = f"sqlite:///{data_dir / 'wangjian.db'}"
    runner = CliRunner()
    everything = runner.invoke(main, ["leads", "list", "--format", "json", "--database-url", url])
    assert everything.exit_code == 0, everything.output
    rows = json.loads(everything.output)
    assert {r["category"] for r in rows} == CATEGORIES

    hubei = runner.invoke(
        main, ["leads", "list", "--region", "42", "--format", "json", "--database-url", url]
    )
    hubei_rows = json.loads(hubei.output)
    assert hubei_rows and all(r["region_code"].startswith("42") for r in hubei_rows)
    assert len(hubei_rows) == sum(1 for r in rows if (r["region_code"] or "").startswith("42"))

    wildlife = runner.invoke(
        main, ["leads", "list", "--category", "wildlife", "--format", "csv", "--database-url", url]
    )
    table = list(csv.DictReader(io.StringIO(wildlife.output)))
    assert table and {r["类别"] for r in table} == {"野生动植物及其制品"}
    assert len(table) == sum(1 for r in rows if r["category"] == "wildlife")

    future = runner.invoke(main, ["leads", "list", "--since", "2999-01-01", "--database-url", url])
    assert future.exit_code == 0 and "没有符合条件的线索" in future.output


def test_csv_export_to_a_file_opens_in_excel(demo_db, tmp_path):
    data_dir, _ = demo_db
    out = tmp_path / "leads.csv"
    result = CliRunner().invoke(
        main,
        [
            "leads",
            "list",
            "--format",
            "csv",
            "-o",
            str(out),
            "--database-url",
            f"sqlite:///{data_dir / 'wangjian.db'}",
        ],
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("线索编号,类别,分值,状态,属地代码,属地")
