"""Ten days of the demo marketplace, swept once a day on a simulated clock (WANGJIAN_CLOCK),
with its 双11 promotion and an emergency declared on the sweep's command line: the price checks
fire on exactly the sightings the demo's calendar says cheat (crawler.demo.calendar.cheats),
and ``wangjian changes`` reports the listings that appeared, changed price and vanished."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
from wangjian_process import wangjian, wangjian_json

from crawler.demo import calendar, rehearsal
from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from rules.engine import Scorer
from rules.loader import load_packs
from rules.prices import PricePoint, PriceWindow
from rules.record import Record
from store import changes
from store.db import make_engine, session_scope

SEED, SIZE = 13, 100  # honest raises and essential goods priced within the rules too
CATALOG = build_catalog(seed=SEED, size=SIZE)
PRICE_RULES = rehearsal.PRICE_RULES


@pytest.fixture(scope="module")
def ten_days(tmp_path_factory):
    """Each day's sweep report and what ``changes`` said of it; the price hits by day."""
    data = tmp_path_factory.mktemp("ten-days")
    database = data / "wangjian.db"
    days, hits = [], set()
    with DemoServer(CATALOG) as server:
        for day in range(calendar.DAYS):
            server.catalog.day = day
            report = wangjian_json(
                *rehearsal.sweep_args(server.url),
                WANGJIAN_DATA_DIR=str(data),
                WANGJIAN_CLOCK=rehearsal.clock(day),
            )
            hits |= rehearsal.fired(database, report["sweep_id"], day)
            days.append(report)
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine, read_only=True) as s:
        days = [(r, changes.as_json(changes.changes_of(s, r["sweep_id"]))) for r in days]
    engine.dispose()
    with sqlite3.connect(database) as db:
        query = "SELECT external_id, vanished_at, vanished_sweep_id FROM listings"
        listings = {row[0]: row[1:] for row in db.execute(query)}
        observed = db.execute(
            "SELECT sweep_id, min(date(observed_at, '+8 hours')),"
            " max(date(observed_at, '+8 hours')) FROM listing_observations GROUP BY sweep_id"
        ).fetchall()
    return {
        "days": days,
        "hits": hits,
        "listings": listings,
        "observed": observed,
        "data": data,
    }


def test_every_sweep_ran_on_its_simulated_day(ten_days):
    sweeps = [report["sweep_id"] for report, _ in ten_days["days"]]
    assert [report["status"] for report, _ in ten_days["days"]] == ["finished"] * calendar.DAYS
    on = {sweep: (first, last) for sweep, first, last in ten_days["observed"]}
    days = [calendar.date_of(d).isoformat() for d in range(calendar.DAYS)]
    assert [on[s] for s in sweeps] == [(d, d) for d in days]


def test_price_checks_fire_on_exactly_the_cheating_sightings(ten_days):
    expected = rehearsal.truth(CATALOG)
    per_rule = Counter(rule for _, _, rule in expected)
    # The demo's calendar has each kind of cheat, more than once.
    assert all(per_rule[rule] >= 6 for rule in PRICE_RULES), per_rule
    assert sorted(ten_days["hits"] - expected) == []  # no false alarm: precision 1
    assert sorted(expected - ten_days["hits"]) == []  # none missed: recall 1
    assert [(s.precision, s.recall) for s in rehearsal.scores(ten_days["hits"], expected)] == [
        (1.0, 1.0)
    ] * len(PRICE_RULES)


def test_nothing_fires_before_there_is_history(ten_days):
    assert [hit for hit in ten_days["hits"] if hit[0] == 0] == []


def test_changes_reports_new_changed_and_vanished_listings(ten_days):
    days = ten_days["days"]
    listings = CATALOG.listings.values()
    appear = {x.id for x in listings if calendar.lives(SEED, x, 4) != calendar.lives(SEED, x, 3)}
    vanish = {x.id for x in listings if calendar.lives(SEED, x, 6) != calendar.lives(SEED, x, 5)}
    assert appear and vanish

    def of(day: int, kind: str) -> set[str]:
        return {c["external_id"] for c in days[day][1]["changes"] if c["kind"] == kind}

    assert days[0][1]["previous_sweep_id"] is None and days[0][1]["changes"] == []
    assert of(4, "new") == appear and of(6, "vanished") == vanish
    assert all(not of(day, "new") for day in (1, 2, 3, 5, 6, 7, 8, 9))
    assert all(not of(day, "vanished") for day in (1, 2, 3, 4, 5, 7, 8, 9))
    assert all(days[day][1]["vanished_judged"] for day in range(1, 10))
    # Raised on day 4: the price change, before and after.
    raised = {
        x.id: (x.price, float(round(x.price * 1.5)))
        for x in listings
        if calendar.scheme(SEED, x) == "raise_then_discount" and calendar.lives(SEED, x, 3)
    }
    changed = {c["external_id"]: c["fields"] for c in days[4][1]["changes"]}
    for external_id, (before, after) in raised.items():
        assert changed[external_id]["price"] == [before, after]
    # A vanished listing stays marked until it is seen again.
    for external_id in vanish:
        vanished_at, vanished_sweep = ten_days["listings"][external_id]
        assert vanished_at is not None and vanished_sweep == days[6][0]["sweep_id"]
    assert all(ten_days["listings"][i][0] is None for i in appear)


def test_changes_on_the_command_line(ten_days):
    day6 = ten_days["days"][6]
    sweep = str(day6[0]["sweep_id"])
    assert wangjian_json("changes", "--sweep", sweep, WANGJIAN_DATA_DIR=str(ten_days["data"])) == (
        day6[1]
    )


def test_changes_prints_a_readable_summary(ten_days):
    done = wangjian(
        "changes", "--sweep", str(ten_days["days"][6][0]["sweep_id"]),
        WANGJIAN_DATA_DIR=str(ten_days["data"]),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith(f"巡查 {ten_days['days'][6][0]['sweep_id']} 与上一次巡查")
    assert "已下架" in first
    assert any(line.lstrip().startswith("已下架") for line in done.stdout.splitlines()[1:])


def test_changes_of_an_unknown_sweep_is_a_user_error(ten_days):
    done = wangjian("changes", "--sweep", "999", WANGJIAN_DATA_DIR=str(ten_days["data"]))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "Error: no sweep of a platform with id 999"


# -- the checks alone, on records ---------------------------------------------------------------

WINDOW = PriceWindow.parse("双11=2026-11-08..2026-11-11", kind="promotion")


def point(day: str, price: float, original: float | None = None) -> PricePoint:
    return PricePoint.model_validate(
        {"at": f"2026-11-{day}T10:00:00+08:00", "price": price, "original_price": original}
    )


def record(price, original, history, at="2026-11-09T10:00:00+08:00", **fields) -> Record:
    return Record.model_validate(
        {
            "kind": "listing",
            "title": fields.pop("title", "纯棉T恤"),
            "price": price,
            "original_price": original,
            "observed_at": at,
            "price_history": history,
            "windows": [WINDOW],
            **fields,
        }
    )


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_packs())


def fired(scorer: Scorer, rec: Record) -> dict[str, object]:
    return {h.rule_id: h for h in scorer.score(rec).hits}


def test_reference_price_keeps_the_basis_it_judged_by(scorer):
    hits = fired(scorer, record(95, 160, [point("02", 100), point("05", 99), point("08", 95)]))
    hit = hits["fake_promotion.reference_price"]
    assert "¥160.00" in hit.note and "¥99.00" in hit.note and "观测 2 次" in hit.note
    assert hit.evidence["window"]["name"] == "双11"
    assert hit.evidence["basis"]["observations"] == 2 and hit.evidence["basis"]["lowest"] == 99
    # The sighting itself ends the history the chart draws.
    assert [p["price"] for p in hit.evidence["history"]] == [100, 99, 95, 95]


def test_one_earlier_sighting_is_not_enough(scorer):
    hits = fired(scorer, record(95, 160, [point("05", 99)]))
    assert "fake_promotion.reference_price" not in hits


def test_an_honest_promotion_price_does_not_fire(scorer):
    hits = fired(scorer, record(99, 129, [point("02", 129), point("05", 129)]))
    assert not set(hits) & set(PRICE_RULES)


def test_a_raise_before_the_promotion_fires_raise_then_discount(scorer):
    history = [point("01", 100), point("02", 100), point("05", 150), point("06", 150)]
    hits = fired(scorer, record(102, 150, history))
    hit = hits["fake_promotion.raise_then_discount"]
    assert "¥100.00" in hit.note and "¥150.00" in hit.note
    assert hit.evidence["basis"]["before"] == 100 and hit.evidence["basis"]["raised"] == 150
    # A real cut below the price before the raise is a discount, not a trick.
    assert "fake_promotion.raise_then_discount" not in fired(scorer, record(80, 150, history))


def test_gouging_needs_an_emergency_and_an_essential_good(scorer):
    emergency = PriceWindow.parse("演示应急=2026-11-08..2026-11-10", kind="emergency")
    history = [point("02", 40), point("04", 42), point("06", 41)]

    def gouged(title: str, windows) -> bool:
        rec = record(105, None, history, title=title).model_copy(update={"windows": windows})
        return "price_gouging.essential_goods_gouging" in fired(scorer, rec)

    assert gouged("家用 电子体温计", [emergency])
    assert not gouged("家用 电子体温计", [WINDOW])  # a promotion is no emergency
    assert not gouged("纯棉T恤", [emergency])  # not an essential good


def test_a_malformed_simulated_clock_is_refused_before_anything_runs(tmp_path):
    done = wangjian("changes", WANGJIAN_DATA_DIR=str(tmp_path), WANGJIAN_CLOCK="2026-11-05")
    assert done.returncode == 2
    assert "WANGJIAN_CLOCK" in done.stderr and "offset" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
