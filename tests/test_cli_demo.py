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
from rules.regions import counties
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


def test_a_seller_whose_uscc_fails_is_placed_by_its_licence_address(demo_db):
    """The demo's shops with a failing USCC show a 住所 in one of their city's counties: the
    sweep reads it, the store places the shop and its listings there, `leads list --region`
    finds them by province, city and county, and `leads show` names the address."""
    data_dir, _ = demo_db
    url = f"sqlite:///{data_dir / 'wangjian.db'}"
    catalog = build_catalog(seed=SEED, size=SIZE)
    invalid = [s for s in catalog.shops.values() if s.licence == "invalid"]
    assert invalid
    engine = make_engine(url)
    with session_scope(engine, read_only=True) as s:
        leads = [r for r in list_leads(s) if r.platform == "demo"]
    engine.dispose()
    runner = CliRunner()
    placed_listings = 0

    def listed(region: str) -> set[int]:
        done = runner.invoke(
            main, ["leads", "list", "--region", region, "--format", "json", "--database-url", url]
        )
        assert done.exit_code == 0, done.output
        return {r["id"] for r in json.loads(done.output)}

    for shop in invalid:
        assert shop.county != shop.city.code  # a county under the city, not the city itself
        # Leads of the shop, and of its listings (a listing lead's own ship-from names only
        # the city: the seller's address comes first).
        own = [r for r in leads if r.kind == "shop" and r.external_id == shop.id]
        listings = {x.id for x in catalog.shop_listings(shop.id)}
        of_listings = [r for r in leads if r.kind == "listing" and r.external_id in listings]
        assert own and own[0].category == "license_display"
        placed_listings += len(of_listings)
        for row in own + of_listings:
            assert (row.region_code, row.region_source) == (shop.county, "licence_address")
        ids = {r.id for r in own + of_listings}
        for region in (shop.county[:2], shop.county[:4], shop.county):
            assert ids <= listed(region), region
        done = runner.invoke(main, ["leads", "show", str(own[0].id), "--database-url", url])
        assert done.exit_code == 0, done.output
        assert f"（依据：店铺营业执照住所「{shop.address}」）" in done.output
        assert f"属地: {shop.county} " in done.output
    assert placed_listings  # S006's L00282 at seed 7, size 300
    # Other counties of the same city do not list them.
    shop = invalid[0]
    elsewhere = next(c.code for c in counties(shop.city.code) if c.code != shop.county)
    placed = {r.id for r in leads if r.region_code == shop.county}
    assert not placed & listed(elsewhere)
