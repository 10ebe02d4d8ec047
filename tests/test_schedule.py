"""Sweeps on a calendar: sweeps.yaml read with its lines (crawler.schedule_file), the runs it
plans (crawler.schedule), and `wangjian schedule run` for real: APScheduler's triggers, sweep
child processes against the demo marketplace, the per-sweep lock, missed runs, SIGTERM."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from wangjian_process import COMMAND, ROOT, environment, wangjian_json

from cli import EXIT_MEANINGS, main
from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from crawler.schedule import Planner
from crawler.schedule_file import ScheduleError, crontab_trigger, load_schedule, parse_duration
from crawler.schedule_run import EXIT_LABELS, ScheduleLog, SweepScheduler
from crawler.settings import Settings
from rules.prices import BEIJING


def write(folder: Path, text: str, name: str = "sweeps.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def log_of(data: Path) -> list[dict]:
    lines = (data / "logs" / "schedule.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


# ---------------------------------------------------------------- the file

GOOD = """
sweeps:
  nightly:
    profile: demo
    cron: "0 2 * * *"
"""

BAD = [
    (
        "sweeps:\n  nightly:\n    profile: demo\n    cronn: '0 2 * * *'\n",
        4,
        "sweeps.nightly.cronn: unknown key 'cronn'",
    ),
    (
        "sweeps:\n  nightly:\n    profile: demo\n    cron: '0 2 * *'\n",
        4,
        "sweeps.nightly.cron: not a crontab expression: '0 2 * *' (5 fields",
    ),
    (
        "sweeps:\n  nightly:\n    profile: demo\n    cron: '0 25 * * *'\n",
        4,
        "sweeps.nightly.cron: not a crontab expression: '0 25 * * *'",
    ),
    (
        "sweeps:\n  often:\n    profile: demo\n    every: 3x\n",
        4,
        "sweeps.often.every: not an interval: '3x'",
    ),
    (
        "sweeps:\n  both:\n    profile: demo\n    every: 1h\n    cron: '0 2 * * *'\n",
        2,
        "sweeps.both: a sweep needs either cron or every (not both)",
    ),
    (
        GOOD + "campaigns:\n  双11:\n    start: 2026-11-11\n    end: 2026-11-01\n",
        8,
        "campaigns.双11.end: ends 2026-11-01 before it starts 2026-11-11",
    ),
    (
        GOOD + "campaigns:\n  - name: 618\n    start: 2026-06-01\n    end: 2026-06-18\n"
        "    sweeps: [nightly, hourly]\n",
        9,
        "campaigns.0.sweeps: no sweep named 'hourly' (sweeps: nightly)",
    ),
    (
        GOOD + "campaigns:\n  - name: 618\n    start: 2026-06-01\n    end: 2026-06-18\n"
        "    frequency: 2h\n",
        9,
        "campaigns.0.frequency: unknown key 'frequency'",
    ),
    (
        "sweeps:\n  nightly:\n    profile: dmeo\n    every: 1h\n",
        3,
        "sweeps.nightly.profile: dmeo.yaml: cannot read",
    ),
    (
        "sweeps:\n  nightly:\n    profile: demo\n    every: 1h\n  nightly:\n    profile: demo\n",
        5,
        "nightly: duplicate key",
    ),
    ("sweeps:\n  nightly:\n    profile: demo\n   every: 1h\n", 4, "YAML: "),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_a_bad_sweeps_file_is_one_line_naming_the_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(ScheduleError) as raised:
        load_schedule(path)
    assert str(raised.value).startswith(f"{path}:{line}: {message}"), str(raised.value)


def test_the_example_file_reads():
    example = load_schedule(ROOT / "sweeps.example.yaml")
    assert list(example.sweeps) == ["demo-nightly", "demo-wildlife", "weekdays"]
    assert [c.name for c in example.campaigns] == ["双11", "3·15"]


def test_the_cli_says_a_bad_file_in_one_line_with_exit_code_2(tmp_path):
    path = write(tmp_path, BAD[1][0])
    result = CliRunner().invoke(main, ["schedule", "list", "--file", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {path}:4: sweeps.nightly.cron: not a crontab expression: '0 2 * *' "
        "(5 fields: minute hour day month weekday)"
    ]


def test_intervals_and_exit_labels():
    assert [parse_duration(v) for v in ("1s", "30m", "6h", "1d", "1h30m")] == [
        1,
        1800,
        21600,
        86400,
        5400,
    ]
    for bad in ("", "30", "1w", "0s", 30):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert set(EXIT_LABELS) == {int(code) for code in EXIT_MEANINGS}


def test_crontab_lines_mean_what_cron_means():
    sunday = at("2026-11-01 00:00")  # a Sunday

    def next_days(expr: str, n: int = 3) -> list[str]:
        trigger, when, days = crontab_trigger(expr), None, []
        for _ in range(n):
            when = trigger.get_next_fire_time(None, when + timedelta(seconds=1) if when else sunday)
            days.append(f"{when:%a %d %H:%M}")
        return days

    # 0 is Sunday (APScheduler 3 alone would take it for Monday), 1-5 Monday to Friday.
    assert next_days("30 9 * * 0") == ["Sun 01 09:30", "Sun 08 09:30", "Sun 15 09:30"]
    assert next_days("0 8 * * 1-5") == ["Mon 02 08:00", "Tue 03 08:00", "Wed 04 08:00"]
    assert next_days("0 8 * * 5-7") == ["Sun 01 08:00", "Fri 06 08:00", "Sat 07 08:00"]
    assert next_days("0 8 * * */3") == ["Sun 01 08:00", "Wed 04 08:00", "Sat 07 08:00"]
    # A day of the month and a day of the week: either, as in cron.
    assert next_days("0 6 3 * mon") == ["Mon 02 06:00", "Tue 03 06:00", "Mon 09 06:00"]


# ---------------------------------------------------------------- schedule list

CALENDAR = """
misfire_grace: 30m
sweeps:
  nightly:
    profile: demo
    keywords: [象牙]
    cron: "0 2 * * *"
  often:
    profile: demo
    base_url: http://127.0.0.1:8000
    every: 5h
  resting:
    profile: demo
    every: 1d
    enabled: false
campaigns:
  双11:
    start: 2026-11-01
    end: 2026-11-11
    every: 12h
    keywords: [双十一]
    sweeps: [nightly]
  某地疫情应急:
    kind: emergency
    start: 2026-11-01
    end: 2026-11-01
    sweeps: [often]
"""


def listed(path: Path, start: str, count: int) -> dict:
    result = CliRunner().invoke(
        main, ["schedule", "list", "-f", str(path), "--from", start, "-n", str(count), "--json"]
    )
    assert result.exit_code == 0, result.output
    return {s["name"]: s for s in json.loads(result.output)["sweeps"]}


def test_schedule_list_gives_the_next_runs_and_the_campaign_of_each(tmp_path):
    path = write(tmp_path, CALENDAR)
    before = listed(path, "2026-10-31 01:00", 3)
    nightly = [(r["at"], r["campaigns"]) for r in before["nightly"]["runs"]]
    assert nightly == [
        ("2026-10-31T02:00:00+08:00", []),
        ("2026-11-01T00:00:00+08:00", ["双11"]),  # the campaign's every: 12h from its first day
        ("2026-11-01T12:00:00+08:00", ["双11"]),
    ]
    runs = before["nightly"]["runs"]
    assert runs[0]["command"] == "wangjian sweep demo --keyword 象牙 --json"
    assert runs[1]["command"] == (
        "wangjian sweep demo --keyword 象牙 --keyword 双十一 "
        "--promotion 双11=2026-11-01..2026-11-11 --json"
    )
    after = listed(path, "2026-11-11 10:00", 3)["nightly"]["runs"]
    assert [(r["at"], r["campaigns"]) for r in after] == [
        ("2026-11-11T12:00:00+08:00", ["双11"]),
        ("2026-11-12T02:00:00+08:00", []),  # back to its own cron the day after
        ("2026-11-13T02:00:00+08:00", []),
    ]
    # every 5h counts from midnight Beijing time; the emergency keeps its frequency.
    often = listed(path, "2026-10-31 20:30", 6)["often"]["runs"]
    assert [(r["at"][5:16], r["campaigns"]) for r in often] == [
        ("11-01T01:00", ["某地疫情应急"]),
        ("11-01T06:00", ["某地疫情应急"]),
        ("11-01T11:00", ["某地疫情应急"]),
        ("11-01T16:00", ["某地疫情应急"]),
        ("11-01T21:00", ["某地疫情应急"]),
        ("11-02T02:00", []),
    ]
    assert often[0]["command"] == (
        "wangjian sweep demo --base-url http://127.0.0.1:8000 "
        "--emergency 某地疫情应急=2026-11-01..2026-11-01 --json"
    )
    assert listed(path, "2026-10-31 01:00", 3)["resting"] == {
        "name": "resting",
        "enabled": False,
        "profile": "demo",
        "frequency": {"every": 86400},
        "runs": [],
    }
    text = CliRunner().invoke(main, ["schedule", "list", "-f", str(path), "--from", "2026-11-01"])
    assert text.exit_code == 0, text.output
    assert "nightly：平台配置 demo，cron「0 2 * * *」" in text.output
    assert "  2026-11-01 00:00:00  双11（促销，2026-11-01至2026-11-11）" in text.output
    assert "resting：已停用（enabled: false），不运行" in text.output
    assert "错过的运行在 30m 内补跑一次" in text.output


def test_a_campaigns_packs_are_used_besides_the_sweeps(tmp_path):
    shipped = ROOT / "rules" / "packs"
    (tmp_path / "own").mkdir()
    (tmp_path / "extra").mkdir()
    shutil.copy(shipped / "wildlife.yaml", tmp_path / "own")
    shutil.copy(shipped / "license_display.yaml", tmp_path / "extra")
    path = write(
        tmp_path,
        """
        sweeps:
          wild:
            profile: demo
            packs: own
            every: 1d
        campaigns:
          - name: 双11
            start: 2026-11-01
            end: 2026-11-11
            packs: extra/license_display.yaml
            keywords: [双十一]
        """,
    )
    settings = Settings.load(data_dir=tmp_path / "data")
    run = Planner(load_schedule(path), settings).run_at("wild", at("2026-11-05 00:00"))
    assert run.args[:4] == ["sweep", "demo", "--packs", str(run.packs_folder)]
    assert run.packs_folder.parent == (tmp_path / "data" / "schedule" / "packs").resolve()
    # The sweep has no keywords: its packs' search terms are searched, and the campaign's.
    keywords = [run.args[i + 1] for i, a in enumerate(run.args) if a == "--keyword"]
    assert keywords[-1] == "双十一" and "象牙" in keywords
    run.prepare()
    from rules.loader import load_packs

    assert sorted(p.id for p in load_packs(run.packs_folder).packs) == [
        "license_display",
        "wildlife",
    ]
    plain = Planner(load_schedule(path), settings).run_at("wild", at("2026-11-12 00:00"))
    assert plain.args == ["sweep", "demo", "--packs", str(tmp_path / "own"), "--json"]


# ---------------------------------------------------------------- schedule run


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unattended(monkeypatch, tmp_path: Path, text: str) -> tuple[SweepScheduler, list[str]]:
    monkeypatch.setenv("WANGJIAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WANGJIAN_CAPTURE", "false")
    monkeypatch.setenv("WANGJIAN_RETRY_TIMES", "0")
    path = write(tmp_path, text)
    said: list[str] = []
    return SweepScheduler(load_schedule(path), Settings.load(), path, said.append), said


def test_runs_missed_past_the_grace_time_are_skipped_and_logged(monkeypatch, tmp_path):
    scheduler, said = unattended(
        monkeypatch,
        tmp_path,
        """
        misfire_grace: 1h
        sweeps:
          yearly:
            profile: demo
            cron: "0 0 1 1 *"
        """,
    )
    year = datetime.now(BEIJING).year
    ScheduleLog(tmp_path / "data" / "logs" / "schedule.jsonl").write(
        {"event": "run", "sweep": "yearly", "scheduled": f"{year - 3}-01-01T00:00:00+08:00"}
    )
    assert scheduler.run(duration=0.5) == "for"
    missed = [e for e in log_of(tmp_path / "data") if e["event"] == "missed"]
    assert [
        (m["scheduled"][:10], m["last_scheduled"][:10], m["runs"], m["reason"]) for m in missed
    ] == [(f"{year - 2}-01-01", f"{year}-01-01", 3, "down")]
    assert any(f"错过 yearly 的 3 次运行（{year - 2}-01-01 00:00:00 至" in line for line in said)
    assert scheduler.ran == 0


def test_a_run_missed_within_the_grace_time_runs_once_late(monkeypatch, tmp_path):
    scheduler, said = unattended(
        monkeypatch,
        tmp_path,
        f"""
        misfire_grace: 1h
        sweeps:
          tenminutes:
            profile: demo
            base_url: http://127.0.0.1:{closed_port()}
            keywords: [象牙]
            cron: "*/10 * * * *"
        """,
    )
    now = datetime.now(BEIJING)
    due = now.replace(minute=now.minute - now.minute % 10, second=0, microsecond=0)
    ScheduleLog(tmp_path / "data" / "logs" / "schedule.jsonl").write(
        {
            "event": "run",
            "sweep": "tenminutes",
            "scheduled": (due - timedelta(minutes=30)).isoformat(),
        }
    )
    assert scheduler.run(duration=120, runs=1) == "runs"
    entries = log_of(tmp_path / "data")
    missed = [e for e in entries if e["event"] == "missed"]
    assert [(m["scheduled"], m["last_scheduled"], m["runs"], m["reason"]) for m in missed] == [
        (
            (due - timedelta(minutes=20)).isoformat(),
            (due - timedelta(minutes=10)).isoformat(),
            2,
            "coalesced",
        )
    ]
    (run,) = [e for e in entries if e["event"] == "run" and "code" in e]
    assert run["scheduled"] == due.isoformat()
    assert run["code"] == 6 and run["meaning"].startswith("没有一个页面得到响应")
    assert run["late_seconds"] >= 0 and isinstance(run["sweep_id"], int)
    assert any("结束 tenminutes" in line and "退出码 6" in line for line in said)


def test_schedule_run_end_to_end_with_a_campaign_no_overlap_and_the_lock(tmp_path):
    """Two schedulers on one data directory, a sweep every 2 s (the campaign's frequency;
    its own is daily) that takes longer than that: each run is a real sweep of the demo
    marketplace with --promotion, runs never overlap, the running scheduler skips its own
    next runs and the other one skips them for the lock."""
    today = f"{datetime.now(BEIJING):%Y-%m-%d}"
    data = tmp_path / "data"
    # A platform's latency makes each sweep outlast the 2 s: at full speed twelve listings are
    # swept in less, and there would be no run of its own to skip.
    with DemoServer(build_catalog(seed=7, size=12), latency_s=0.4) as server:
        path = write(
            tmp_path,
            f"""
            sweeps:
              demo:
                profile: demo
                base_url: {server.url}
                keywords: [象牙]
                every: 1d
            campaigns:
              - name: 双11
                start: {today}
                end: {today}
                every: 2s
            """,
        )
        env = environment({"WANGJIAN_DATA_DIR": str(data)})
        command = [*COMMAND, "schedule", "run", "--file", str(path), "--for", "7s"]
        schedulers = [
            subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        said = [p.communicate(timeout=120)[1] for p in schedulers]
    assert [p.returncode for p in schedulers] == [0, 0], said
    entries = log_of(data)
    assert [e["action"] for e in entries if e["event"] == "scheduler"].count("stop") == 2
    runs = sorted((e for e in entries if e["event"] == "run"), key=lambda e: e["started"])
    assert runs, said
    for run in runs:
        assert run["code"] == 0 and run["meaning"] == "完成", run
        assert run["campaigns"] == ["双11"]
        assert f"--promotion 双11={today}..{today}" in run["command"]
        assert run["listings"] == 12
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert later["started"] >= earlier["ended"]
    reasons = {e["reason"] for e in entries if e["event"] == "skipped"}
    assert {"running", "locked"} <= reasons, entries
    stored = {
        s["id"]: s["status"] for s in wangjian_json("sweeps", "list", WANGJIAN_DATA_DIR=str(data))
    }
    assert {stored[r["sweep_id"]] for r in runs} == {"finished"}
    assert any("结束 demo" in text and "退出码 0（完成）" in text for text in said)
    assert any("另一个调度进程正在运行这个巡查" in text for text in said)


def test_sigterm_ends_the_running_sweep_and_the_scheduler(tmp_path):
    data = tmp_path / "data"
    # A platform slow to answer: the sweep is surely still running when the signal comes
    # (twelve listings at full speed can be swept, and the next run begun, before it).
    with DemoServer(build_catalog(seed=7, size=12), latency_s=0.5) as server:
        path = write(
            tmp_path,
            f"""
            sweeps:
              demo:
                profile: demo
                base_url: {server.url}
                every: 1s
            """,
        )
        process = subprocess.Popen(
            [*COMMAND, "schedule", "run", "-f", str(path), "--for", "60s"],
            cwd=ROOT,
            env=environment({"WANGJIAN_DATA_DIR": str(data)}),
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in process.stderr:
            if "开始 demo" in line:
                process.send_signal(signal.SIGTERM)
                break
        rest = process.communicate(timeout=60)[1]
    assert process.returncode == 0, rest
    assert "收到 SIGTERM，正在停止" in rest and "调度已停止（收到 SIGTERM）" in rest
    entries = log_of(data)
    (run,) = [e for e in entries if e["event"] == "run"]
    assert run["stopped"] == "SIGTERM" and run["code"] != 0
    assert entries[-1]["action"] == "stop" and entries[-1]["reason"] == "SIGTERM"
