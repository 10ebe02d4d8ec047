"""`wangjian rescore` re-scores what is stored with the packs given, and says what changed."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from store_factories import listing_item, new_sweep, stored

from cli import main
from rules.loader import PACKS_DIR
from store.db import session_scope


def test_rescore_reports_leads_added_by_a_new_term(db_engine, tmp_path: Path):
    url = db_engine.url.render_as_string(hide_password=False)
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        stored(s, sweep, listing_item("L1", title="星河无双超级好用拖把"))
        stored(s, sweep, listing_item("L2", title="纯棉毛巾 三条装"))
    runner = CliRunner()
    first = runner.invoke(main, ["rescore", "--json", "--database-url", url])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["added"] == []

    packs = tmp_path / "packs"
    shutil.copytree(PACKS_DIR, packs)
    promo = packs / "fake_promotion.yaml"
    text = promo.read_text(encoding="utf-8")
    text = re.sub(r'version: "[^"]+"', 'version: "2099.1.0"', text, count=1)
    text += (
        "  - id: cosmic\n    description: 星河无双\n    legal_basis: 《广告法》第九条第三项\n"
        "    severity: high\n    weight: 5\n    terms: [星河无双]\n"
    )
    promo.write_text(text, encoding="utf-8")
    second = runner.invoke(
        main, ["rescore", "--json", "--packs", str(packs), "--database-url", url]
    )
    assert second.exit_code == 0, second.output
    report = json.loads(second.output)
    assert [(a["external_id"], a["category"]) for a in report["added"]] == [
        ("L1", "fake_promotion")
    ]
    assert report["versions_after"]["fake_promotion"] == "2099.1.0"

    shown = runner.invoke(main, ["rescore", "--packs", str(packs), "--database-url", url])
    assert shown.exit_code == 0 and "线索无变化" in shown.output
    leads = runner.invoke(main, ["leads", "list", "--format", "json", "--database-url", url])
    rows = json.loads(leads.output)
    assert [(r["external_id"], r["pack_version"]) for r in rows] == [("L1", "2099.1.0")]


def test_leads_status_moves_leads_and_refuses_unknown_ids(db_engine):
    url = db_engine.url.render_as_string(hide_password=False)
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        stored(s, sweep, listing_item("L1", title="野生穿山甲片 正品"))
    runner = CliRunner()
    assert runner.invoke(main, ["rescore", "--database-url", url]).exit_code == 0
    rows = json.loads(
        runner.invoke(main, ["leads", "list", "--format", "json", "--database-url", url]).output
    )
    (lead_id,) = [r["id"] for r in rows]
    moved = runner.invoke(
        main, ["leads", "status", str(lead_id), "referred", "--database-url", url]
    )
    assert moved.exit_code == 0 and "已移送" in moved.output
    referred = runner.invoke(
        main,
        ["leads", "list", "--status", "referred", "--format", "json", "--database-url", url],
    )
    assert [r["id"] for r in json.loads(referred.output)] == [lead_id]
    unknown = runner.invoke(
        main, ["leads", "status", str(lead_id), "999999", "dismissed", "--database-url", url]
    )
    assert unknown.exit_code == 2 and "no lead with id 999999" in unknown.output
    still = runner.invoke(
        main,
        ["leads", "list", "--status", "referred", "--format", "json", "--database-url", url],
    )
    assert [r["id"] for r in json.loads(still.output)] == [lead_id]  # all or none
