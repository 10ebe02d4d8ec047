"""When each sweep of ``sweeps.yaml`` runs, and the command each run is.

**One trigger per sweep.** ``CalendarTrigger`` is an APScheduler trigger made of
APScheduler triggers: the sweep's own (``CronTrigger`` from its crontab line, or
``IntervalTrigger``) and one per campaign that names a frequency. The campaigns' first and
last days cut time into stretches in which the same campaigns hold; asked for the next fire
time, the trigger asks the stretch's trigger (the first holding campaign's, else the
sweep's own) for its next time at or after the cursor, and moves to the next stretch when
that time falls past the stretch's end. Chosen over rescheduling the job at each window's
edge because one stateless trigger answers ``schedule list`` and ``schedule run`` alike, for
any instant, with no timer to keep in step and nothing to go wrong across a restart.

**Intervals** count from a fixed point, midnight Beijing time: ``every: 6h`` runs at 00:00,
06:00, 12:00 and 18:00, whenever the scheduler was started, so ``schedule list``, a running
scheduler and a restarted one agree. A campaign's interval counts from its first day's
midnight, so a campaign opens with a run.

**A run** is ``wangjian sweep PROFILE [--base-url] [--packs] [--keyword …] --json``, with
every campaign that holds at the time of the run: its window as ``--promotion`` or
``--emergency NAME=START..END``, its keywords searched besides the sweep's (a sweep without
keywords searches its packs' search terms, so those are named too), and its packs used
besides the sweep's (a folder under ``<data_dir>/schedule/packs`` that links both).
"""

from __future__ import annotations

import hashlib
import re
import shlex
import sys
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.schedule_file import Campaign, Frequency, ScheduleFile, crontab_trigger
from crawler.settings import Settings
from rules.prices import BEIJING

#: Where intervals count from: midnight, Beijing time.
INTERVAL_ANCHOR = datetime(2000, 1, 1, tzinfo=BEIJING)
_TICK = timedelta(microseconds=1)
KIND_LABELS = {"promotion": "促销", "emergency": "应急"}
_PLAIN = re.compile(r"[\w@%+=:,./-]+")


def midnight(day) -> datetime:
    return datetime.combine(day, time.min, BEIJING)


def frequency_trigger(frequency: Frequency, anchor: datetime = INTERVAL_ANCHOR) -> BaseTrigger:
    if frequency.cron is not None:
        return crontab_trigger(frequency.cron)
    return IntervalTrigger(seconds=frequency.every, start_date=anchor, timezone=BEIJING)


@dataclass(frozen=True)
class Window:
    """A campaign's days as instants, [opens, closes), and its frequency (None: the sweep's)."""

    campaign: Campaign
    opens: datetime
    closes: datetime
    trigger: BaseTrigger | None


class CalendarTrigger(BaseTrigger):
    """A sweep's own trigger, and each campaign's instead while the campaign holds."""

    def __init__(self, own: BaseTrigger, windows: list[Window]) -> None:
        self.own = own
        self.windows = windows
        self.edges = sorted({w.opens for w in windows} | {w.closes for w in windows})

    def get_next_fire_time(self, previous_fire_time, now):
        cursor = previous_fire_time + _TICK if previous_fire_time else now
        while True:
            trigger = next(
                (w.trigger for w in self.windows if w.trigger and w.opens <= cursor < w.closes),
                self.own,
            )
            edge = next((e for e in self.edges if e > cursor), None)
            fire = trigger.get_next_fire_time(None, cursor)
            if fire is not None and (edge is None or fire < edge):
                return fire
            if edge is None:
                return None
            cursor = edge

    def __str__(self) -> str:
        return f"calendar[{self.own}; {len(self.windows)} campaign(s)]"


def trigger_of(schedule: ScheduleFile, name: str) -> CalendarTrigger:
    windows = []
    for campaign in schedule.campaigns_of(name):
        opens = midnight(campaign.start)
        has_own = campaign.cron is not None or campaign.every is not None
        trigger = frequency_trigger(campaign, opens) if has_own else None
        windows.append(Window(campaign, opens, midnight(campaign.end + timedelta(days=1)), trigger))
    return CalendarTrigger(frequency_trigger(schedule.sweeps[name]), windows)


def holding(schedule: ScheduleFile, name: str, at: datetime) -> list[Campaign]:
    """The campaigns of sweep ``name`` whose days include ``at`` (Beijing time)."""
    day = at.astimezone(BEIJING).date()
    return [c for c in schedule.campaigns_of(name) if c.start <= day <= c.end]


def campaign_label(campaign: Campaign) -> str:
    kind = KIND_LABELS[campaign.kind]
    return f"{campaign.name}（{kind}，{campaign.start:%Y-%m-%d}至{campaign.end:%Y-%m-%d}）"


@dataclass
class Run:
    """One run of a sweep: when, under which campaigns, with which arguments."""

    sweep: str
    at: datetime
    campaigns: list[Campaign]
    args: list[str]  # what follows ``wangjian``
    packs: list[Path] = field(default_factory=list)  # linked into packs_folder before the run
    packs_folder: Path | None = None

    @property
    def command_line(self) -> str:
        """As a shell takes it; Chinese keywords unquoted (they are no shell syntax)."""
        return " ".join(
            a if _PLAIN.fullmatch(a) else shlex.quote(a) for a in ["wangjian", *self.args]
        )

    def argv(self) -> list[str]:
        """The child process: this Python running the CLI module, from any folder."""
        return [sys.executable, "-m", "cli", *self.args]

    def prepare(self) -> None:
        """Link the packs of the sweep and of its campaigns into one folder (``--packs``)."""
        if self.packs_folder is None:
            return
        from rules.loader import pack_files

        self.packs_folder.mkdir(parents=True, exist_ok=True)
        for old in self.packs_folder.iterdir():
            old.unlink()
        for index, source in enumerate(self.packs):
            for file in pack_files(source):
                (self.packs_folder / f"{index}-{file.name}").symlink_to(file.resolve())


class Planner:
    """Runs of the sweeps of a file; ``cache`` keeps packs' search terms once read (for a
    listing; a scheduler reads them again for every run, packs change)."""

    def __init__(self, schedule: ScheduleFile, settings: Settings, cache: bool = False) -> None:
        self.schedule = schedule
        self.settings = settings
        self.cache: dict[Path, list[str]] | None = {} if cache else None

    def trigger(self, name: str) -> CalendarTrigger:
        return trigger_of(self.schedule, name)

    def next_runs(self, name: str, start: datetime, count: int) -> list[Run]:
        """The next ``count`` runs of sweep ``name`` at or after ``start``."""
        trigger, runs, at = self.trigger(name), [], None
        while len(runs) < count:
            at = trigger.get_next_fire_time(at, start)
            if at is None:
                break
            runs.append(self.run_at(name, at))
        return runs

    def run_at(self, name: str, at: datetime) -> Run:
        """The run of sweep ``name`` at ``at``. Raises ``PackError`` when the keywords to add
        a campaign's to are packs' search terms and those packs are broken."""
        sweep = self.schedule.sweeps[name]
        campaigns = holding(self.schedule, name, at)
        args = ["sweep", sweep.profile]
        if sweep.base_url:
            args += ["--base-url", sweep.base_url]
        added = [c.packs for c in campaigns if c.packs is not None]
        packs, folder = [], None
        if added:
            packs = [self._base_packs(sweep.packs), *added]
            digest = hashlib.sha256("\n".join(map(str, packs)).encode()).hexdigest()[:10]
            folder = (self.settings.data_dir / "schedule" / "packs" / f"{name}-{digest}").resolve()
            args += ["--packs", str(folder)]
        elif sweep.packs is not None:
            args += ["--packs", str(sweep.packs)]
        keywords = list(sweep.keywords)
        extra = [k for c in campaigns for k in c.keywords]
        if extra:
            base = keywords or [
                t for p in packs or [self._base_packs(sweep.packs)] for t in self._terms(p)
            ]
            keywords = list(dict.fromkeys([*base, *extra]))
        for keyword in keywords:
            args += ["--keyword", keyword]
        for campaign in campaigns:
            args += [f"--{campaign.kind}", campaign.window()]
        return Run(name, at, campaigns, [*args, "--json"], packs, folder)

    def _base_packs(self, packs: Path | None) -> Path:
        if packs is not None:
            return packs
        if self.settings.packs_dir is not None:
            return self.settings.packs_dir.resolve()
        from rules.loader import PACKS_DIR

        return PACKS_DIR

    def _terms(self, packs: Path) -> list[str]:
        if self.cache is not None and packs in self.cache:
            return self.cache[packs]
        from rules.loader import load_packs

        terms = [t for ts in load_packs(packs).search_terms().values() for t in ts]
        if self.cache is not None:
            self.cache[packs] = terms
        return terms
