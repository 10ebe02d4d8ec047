"""A sweep killed half-way and resumed ends as an uninterrupted sweep would, fetching only
what it had not stored: the same listings, shops and leads, no duplicates, one sweep row."""

from __future__ import annotations

from sqlalchemy import func, select
from wangjian_process import stored_rows, sweep_killed_after, wangjian, wangjian_json

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from store.db import make_engine, session_scope
from store.leads import list_leads
from store.models import Listing, Observation, Shop, Sweep

CATALOG = build_catalog(seed=13, size=150)


def content(db_url: str) -> tuple[set, set, set]:
    """Listings, shops whose page was read, and leads (kind, id, category)."""
    with session_scope(make_engine(db_url)) as s:
        listings = set(s.scalars(select(Listing.external_id)))
        shops = set(s.scalars(select(Shop.external_id).where(Shop.fetched_at.is_not(None))))
        leads = {(r.kind, r.external_id, r.category) for r in list_leads(s)}
    return listings, shops, leads


def test_a_killed_sweep_resumes_to_the_same_result(tmp_path):
    whole_db = f"sqlite:///{tmp_path / 'whole.db'}"
    path = tmp_path / "killed.db"
    killed_db = f"sqlite:///{path}"
    with DemoServer(CATALOG) as server:
        args = ["sweep", "demo", "--base-url", server.url]
        whole = wangjian_json(*args, "--database-url", whole_db)
        sweep_killed_after([*args, "--database-url", killed_db], path, 40)
        before = stored_rows(path, "listings")
        assert 40 <= before < len(CATALOG.listings)
        resumed = wangjian_json(*args, "--database-url", killed_db, "--resume")
    assert (whole["status"], resumed["status"]) == ("finished", "finished")
    assert content(killed_db) == content(whole_db)
    # Only the listings the killed run had not stored were fetched.
    assert resumed["listings"] == len(CATALOG.listings) - before
    assert resumed["already_stored"] >= before
    assert resumed["pages"] < whole["pages"]  # what was stored was not fetched again
    with session_scope(make_engine(killed_db)) as s:
        (sweep,) = s.scalars(select(Sweep)).all()  # one sweep, continued
        assert (sweep.status, sweep.stats["resumed"]) == ("finished", 1)
        counts = s.execute(
            select(Observation.listing_id, func.count()).group_by(Observation.listing_id)
        ).all()
        assert all(n == 1 for _, n in counts)


def test_nothing_to_resume_is_a_clear_error(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'none.db'}"
    done = wangjian("sweep", "demo", "--database-url", db_url, "--resume")
    assert done.returncode == 2
    assert done.stderr == "Error: nothing to resume for platform 'demo': it has no sweep yet\n"
