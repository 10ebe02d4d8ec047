"""``wangjian schedule``: the sweeps of ``sweeps.yaml`` listed on their calendar and run
unattended (``crawler.schedule``, ``crawler.schedule_run``).

cli.py adds this group at its end. Only click is imported here at the top, so ``wangjian
--help`` stays quick and ``python -m cli`` (where cli.py is ``__main__``) does not import
cli.py a second time while it is still being read; the commands import cli's helpers when
they run.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

DEFAULT_FILE = "sweeps.yaml"


class _Command(click.Command):
    """Ends its --help with the exit codes, as every wangjian command does: the root
    command's epilog (cli.EXIT_CODES)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.epilog = self.epilog or ctx.find_root().command.epilog
        super().format_epilog(ctx, formatter)


class _Group(click.Group):
    command_class = _Command


class Duration(click.ParamType):
    """An interval as sweeps.yaml writes it: 30s, 10m, 2h, 1d, 1h30m; in seconds."""

    name = "DURATION"

    def convert(self, value, param, ctx):
        from crawler.schedule_file import parse_duration

        if isinstance(value, int):
            return value
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class BeijingTime(click.ParamType):
    """YYYY-MM-DD or 'YYYY-MM-DD HH:MM[:SS]', Beijing time."""

    name = "TIME"

    def convert(self, value, param, ctx):
        from rules.prices import BEIJING

        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(value.strip()).replace(tzinfo=BEIJING)
        except ValueError:
            self.fail(f"not a time: {value!r} (YYYY-MM-DD or 'YYYY-MM-DD HH:MM')", param, ctx)


def file_option(func):
    return click.option(
        "-f",
        "--file",
        "path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=DEFAULT_FILE,
        show_default=True,
        help="The sweeps file (see sweeps.example.yaml).",
    )(func)


def _load(path: Path):
    """Settings and the sweeps file; a problem in either is one line and exit code 2."""
    from cli import UserError, load_settings
    from crawler.schedule_file import ScheduleError, load_schedule

    settings = load_settings()
    if not path.exists():
        raise UserError(f"{path}: no such file (an example: sweeps.example.yaml)")
    try:
        return settings, load_schedule(path)
    except ScheduleError as exc:
        raise UserError(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def schedule() -> None:
    """Sweeps on a calendar: the sweeps and campaigns (双11, 618 …) of sweeps.yaml, listed
    and run unattended."""


@schedule.command("list")
@file_option
@click.option(
    "-n",
    "--count",
    type=click.IntRange(1, 1000),
    default=5,
    show_default=True,
    help="Runs to show for each sweep.",
)
@click.option(
    "--from",
    "start",
    type=BeijingTime(),
    help="Show the runs from this time on (Beijing time) instead of from now, e.g. "
    "2026-11-01 to see 双11.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON for scripts.")
def schedule_list(path: Path, count: int, start: datetime | None, as_json: bool) -> None:
    """Show each sweep's next runs (Beijing time), the campaign each falls in and the
    command each will run.

    \b
    Example:
      wangjian schedule list
      wangjian schedule list --file sweeps.yaml --from 2026-11-01 --count 10
      wangjian schedule list --json
    """
    from cli import UserError
    from crawler.schedule import BEIJING, Planner
    from rules.errors import PackError

    settings, plan = _load(path)
    start = start or datetime.now(BEIJING)
    planner = Planner(plan, settings, cache=True)
    try:
        runs = {n: planner.next_runs(n, start, count) for n, s in plan.sweeps.items() if s.enabled}
    except PackError as exc:
        raise UserError(f"rule pack error: {exc}") from None
    if as_json:
        click.echo(json.dumps(_listing(path, plan, start, runs), ensure_ascii=False, indent=1))
    else:
        click.echo(_render(path, plan, start, runs), nl=False)


def _listing(path, plan, start, runs) -> dict:
    sweeps = []
    for name, sweep in plan.sweeps.items():
        frequency = {"cron": sweep.cron} if sweep.cron else {"every": sweep.every}
        sweeps.append(
            {
                "name": name,
                "enabled": sweep.enabled,
                "profile": sweep.profile,
                "frequency": frequency,
                "runs": [
                    {
                        "at": run.at.isoformat(),
                        "campaigns": [c.name for c in run.campaigns],
                        "command": run.command_line,
                    }
                    for run in runs.get(name, [])
                ],
            }
        )
    return {
        "file": str(path),
        "from": start.isoformat(timespec="seconds"),
        "misfire_grace_seconds": plan.misfire_grace,
        "sweeps": sweeps,
    }


def _render(path, plan, start, runs) -> str:
    from crawler.schedule import campaign_label
    from crawler.schedule_file import format_duration

    lines = [
        f"巡查日程 {path}（北京时间，自 {start:%Y-%m-%d %H:%M:%S} 起；"
        f"错过的运行在 {format_duration(plan.misfire_grace)} 内补跑一次）",
    ]
    for name, sweep in plan.sweeps.items():
        lines.append("")
        if not sweep.enabled:
            lines.append(f"{name}：已停用（enabled: false），不运行")
            continue
        lines.append(f"{name}：平台配置 {sweep.profile}，{sweep.frequency()}")
        commands: dict[str, str] = {}
        for run in runs[name]:
            during = "、".join(campaign_label(c) for c in run.campaigns)
            lines.append(f"  {run.at:%Y-%m-%d %H:%M:%S}  {during or '—'}")
            names = "、".join(c.name for c in run.campaigns)
            commands.setdefault(f"{names} 期间" if names else "平时", run.command_line)
        if not runs[name]:
            lines.append("  （日程中没有以后的运行）")
        for when, command in commands.items():
            lines.append(f"  命令（{when}）: {command}")
    return "\n".join(lines) + "\n"


@schedule.command("run")
@file_option
@click.option(
    "--for",
    "duration",
    type=Duration(),
    help="Start no new run after this long (30s, 10m, 2h, 1d), wait for the running ones "
    "and stop. Default: until SIGTERM or Ctrl-C.",
)
@click.option(
    "--runs",
    type=click.IntRange(1),
    help="Stop once this many runs have ended (all sweeps together).",
)
def schedule_run(path: Path, duration: int | None, runs: int | None) -> None:
    """Run the sweeps of the file on their calendars, unattended, until stopped.

    Each run is `wangjian sweep … --json` in its own process, with this environment
    (WANGJIAN_* settings too). While a campaign holds, its frequency replaces the sweep's,
    its window is passed as --promotion or --emergency, and its packs and keywords are
    used besides the sweep's. A sweep never runs twice at once: a run due while the last
    one still runs is skipped, and a per-sweep lock under <data dir>/locks makes a second
    scheduler on the same data directory skip it too.

    Missed runs (the scheduler was stopped, the machine slept): only the latest can still
    run, once and late, if it is late by less than the file's misfire_grace (default 1h);
    the others, and that one past the grace time, are skipped. Every run, skipped run and
    missed run is one JSON line in <data dir>/logs/schedule.jsonl and a line on stderr.

    SIGTERM or Ctrl-C ends the running sweeps (SIGTERM, as a Ctrl-C'd sweep: stored as
    interrupted, `wangjian sweep --resume` continues it; SIGKILL after 30 s or a second
    Ctrl-C) and exits 0, as --for and --runs do.

    \b
    Example:
      wangjian schedule run
      wangjian schedule run --file sweeps.yaml --for 8h
      wangjian schedule run --file sweeps.example.yaml --runs 1
    """
    from cli import open_store
    from crawler.schedule_run import SweepScheduler

    settings, plan = _load(path)
    if not any(sweep.enabled for sweep in plan.sweeps.values()):
        from cli import UserError

        raise UserError(f"{path}: no sweep is enabled")
    open_store(settings, upgrade=True)  # once, before sweeps that start together race to it
    scheduler = SweepScheduler(plan, settings, path, echo=lambda line: click.echo(line, err=True))
    scheduler.run(duration=duration, runs=runs)
