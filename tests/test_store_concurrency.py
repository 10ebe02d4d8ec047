"""Two sweeps into one SQLite file at once, and the CLI beside them: nothing lost, no error.

Both sweeps start on a file that does not exist yet (so their migrations race too) and write
throughout; while they do, ``leads status`` moves a lead again and again and ``leads list``
reads. SQLite lets one writer at a time: writers must wait for the lock, readers must not.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from wangjian_process import COMMAND, ROOT, environment

from cli import main
from crawler.demo.catalog import Catalog, build_catalog
from crawler.demo.server import DemoServer
from crawler.groundtruth import compare
from rules.labels import status_label
from spiders.profile import PROFILES_DIR
from store.db import make_engine, session_scope
from store.errors import StoreError
from store.leads import list_leads
from store.models import Ad, Lead, Listing, Platform, Shop

SIZE = 150
LATENCY_S = 0.25
CATALOGS = {"demo": build_catalog(seed=7, size=SIZE), "demo2": build_catalog(seed=11, size=SIZE)}
#: Every run changes the status (setting the one it has would write nothing), ends verified.
ACTOR = "监测员"
STATUSES = ["verified", "new"] * 4 + ["dismissed", "verified"]


def demo2_profile(tmp: Path) -> Path:
    data = yaml.safe_load((PROFILES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    data["code"] = "demo2"
    data["name"] = "演示商城二"
    path = tmp / "demo2.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def start_sweep(profile: str | Path, base_url: str, db_url: str) -> subprocess.Popen:
    environ = environment({})  # capture off: what is measured is the writers, not Chromium
    return subprocess.Popen(
        [
            *COMMAND,
            "sweep",
            str(profile),
            "--base-url",
            base_url,
            "--database-url",
            db_url,
            "--json",
        ],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_lead(db_url: str, sweeps: list[subprocess.Popen], deadline_s: float = 120) -> int:
    """The id of the first lead a sweep stores, as soon as there is one."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for p in sweeps:
            if p.poll() is not None:
                raise AssertionError(
                    f"a sweep ended first: {p.returncode} {p.stderr.read()[-600:]}"
                )
        try:
            engine = make_engine(db_url, create=False)
            with session_scope(engine, read_only=True) as s:
                lead_id = s.scalar(select(Lead.id).order_by(Lead.id).limit(1))
            engine.dispose()
        except (StoreError, OperationalError):  # no file, or no tables, yet
            lead_id = None
        if lead_id is not None:
            return lead_id
        time.sleep(0.2)
    raise AssertionError("no lead stored in time")


def timed(runner, args, db_url, sweeps):
    """Invoke ``wangjian ARGS``: its result, seconds taken, and whether a sweep was writing."""
    writing = any(p.poll() is None for p in sweeps.values())
    started = time.monotonic()
    result = runner.invoke(main, [*args, "--database-url", db_url])
    return result, time.monotonic() - started, writing


@pytest.fixture(scope="module")
def together(tmp_path_factory):
    """Both sweeps at once into one new file, the CLI running beside them; what happened."""
    tmp = tmp_path_factory.mktemp("together")
    db_url = f"sqlite:///{tmp / 'data' / 'wangjian.db'}"
    profiles = {"demo": "demo", "demo2": demo2_profile(tmp)}
    # A platform's latency keeps both sweeps writing while the CLI runs beside them: an idle
    # local server answers so fast that a sweep of SIZE listings could end first.
    with (
        DemoServer(CATALOGS["demo"], latency_s=LATENCY_S) as one,
        DemoServer(CATALOGS["demo2"], latency_s=LATENCY_S) as two,
    ):
        urls = {"demo": one.url, "demo2": two.url}
        sweeps = {code: start_sweep(profiles[code], urls[code], db_url) for code in CATALOGS}
        try:
            lead_id = first_lead(db_url, list(sweeps.values()))
            runner = CliRunner()
            status_runs, list_runs = [], []
            for status in STATUSES:
                args = ["leads", "mark", str(lead_id), status, "--by", ACTOR]
                status_runs.append(timed(runner, args, db_url, sweeps))
                list_runs.append(
                    timed(runner, ["leads", "list", "--format", "json"], db_url, sweeps)
                )
            outputs = {code: p.communicate(timeout=240) for code, p in sweeps.items()}
        finally:
            for p in sweeps.values():
                if p.poll() is None:
                    p.kill()
    results, exits = {}, {}
    for code, p in sweeps.items():
        stdout, stderr = outputs[code]
        exits[code] = (p.returncode, stderr[-3000:])
        results[code] = json.loads(stdout) if stdout.strip() else {}
    return {
        "db_url": db_url,
        "results": results,
        "exits": exits,
        "lead_id": lead_id,
        "status_runs": status_runs,
        "list_runs": list_runs,
    }


def stored(db_url: str, code: str) -> dict:
    with session_scope(make_engine(db_url), read_only=True) as s:
        platform = s.scalars(select(Platform).where(Platform.code == code)).one()
        ids = {
            kind: set(s.scalars(select(model.external_id).where(model.platform_id == platform.id)))
            for kind, model in (("listing", Listing), ("shop", Shop), ("ad", Ad))
        }
        leads = [row for row in list_leads(s) if row.platform == code]
    return {"ids": ids, "leads": leads}


def test_both_sweeps_finish_without_an_error(together):
    for code, result in together["results"].items():
        assert together["exits"][code][0] == 0, (code, together["exits"][code])
        assert (result["status"], result["errors"], result["error_list"]) == ("finished", 0, [])


@pytest.mark.parametrize("code", list(CATALOGS))
def test_every_listing_of_both_catalogues_is_stored(together, code):
    catalog: Catalog = CATALOGS[code]
    found = stored(together["db_url"], code)["ids"]
    assert found["listing"] == set(catalog.listings)
    result = together["results"][code]
    # Every shop and ad the sweep read is stored, none lost to a locked database.
    assert (len(found["shop"]), len(found["ad"])) == (result["shops"], result["ads"])


@pytest.mark.parametrize("code", list(CATALOGS))
def test_leads_are_those_the_sweep_found_alone(together, code):
    """Leads by category as the sweep counted them while scoring, i.e. what it would store
    alone; and they agree with the catalogue's ground truth."""
    leads = stored(together["db_url"], code)["leads"]
    assert Counter(row.category for row in leads) == Counter(together["results"][code]["leads"])
    found: dict = {}
    for row in leads:
        found.setdefault((row.kind, row.external_id), set()).add(row.category)
    result = compare(CATALOGS[code].truth, found)
    for category, score in result.by_category.items():
        if score.tp + score.fn:
            assert score.recall >= 0.9, (code, category, result.missed)


def test_leads_status_beside_the_sweeps_always_succeeds(together):
    runs = together["status_runs"]
    # Each began while a sweep was writing, or this tested nothing.
    assert all(writing for _, _, writing in runs)
    lead_id = together["lead_id"]
    assert [(run.exit_code, run.output.strip()) for run, _, _ in runs] == [
        (0, f"线索 {lead_id} 状态已改为「{status_label(status)}」（{ACTOR}）")
        for status in STATUSES
    ]
    with session_scope(make_engine(together["db_url"]), read_only=True) as s:
        assert s.get_one(Lead, lead_id).status == "verified"


def test_leads_list_beside_the_sweeps_reads_without_waiting(together):
    runs = together["list_runs"]
    assert all(writing for _, _, writing in runs)
    assert [run.exit_code for run, _, _ in runs] == [0] * len(STATUSES), runs[0][0].output
    assert all(json.loads(run.output) for run, _, _ in runs)
    # A reader never waits for a writer's lock (a wait would be counted in seconds).
    assert max(seconds for _, seconds, _ in runs) < 5
