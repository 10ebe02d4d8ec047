"""``sweeps.yaml`` run unattended: APScheduler 3's ``BackgroundScheduler``, one job per
sweep (its ``CalendarTrigger``, ``crawler.schedule``), each run a ``wangjian sweep … --json``
child process with this process's environment (``WANGJIAN_*`` settings included).

- **Never two runs of one sweep at once**: ``max_instances=1`` within the process, and a lock
  file per sweep (``<data_dir>/locks/sweep-NAME.lock``, ``filelock``) held for the run, so
  that a second scheduler on the same data directory skips, and logs, a run whose sweep is
  running. (Two sweeps of one platform are refused by the sweep itself, ``store.running``.)
- **Missed runs** (``coalesce=True``, ``misfire_grace_time`` = the file's ``misfire_grace``):
  of the runs a sweep missed, because the scheduler was stopped, the machine slept or the
  clock jumped, only the latest may still run: once, late, when it is late by less than the
  grace time; the others, and that one past the grace time, are skipped and logged. At its
  start the scheduler reads its log to know when each sweep was last due, so runs due while
  it was stopped count as missed too.
- **Every run is logged** as one JSON line in ``<data_dir>/logs/schedule.jsonl`` (runs,
  runs skipped, runs missed, the scheduler's start and stop) and said on stderr in Chinese.
- **Stopping**: at the end of ``duration`` or after ``runs`` runs no new run starts and the
  running ones are waited for. SIGTERM or Ctrl-C ends the running sweeps: SIGTERM to each
  (it stops as a sweep stopped by Ctrl-C does, stored as interrupted and continued by
  ``wangjian sweep --resume``), SIGKILL after ``STOP_WAIT`` seconds or at a second signal.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.schedule import Planner, campaign_label
from crawler.schedule_file import ScheduleFile, format_duration
from crawler.settings import Settings
from rules.prices import BEIJING

#: Seconds a running sweep has to stop after SIGTERM before it is killed.
STOP_WAIT = 30.0
#: Missed runs counted one by one at most; a longer gap says "at least".
MAX_COUNTED = 1000
#: What each exit code of ``wangjian sweep`` means (cli.Exit), as the log says it.
EXIT_LABELS = {
    0: "完成",
    1: "检查发现问题",
    2: "参数、设置、平台配置、规则包或数据库有误，未运行",
    3: "巡查中途停止",
    4: "部分页面未能抓取、读取或保存",
    5: "程序错误（请报告）",
    6: "没有一个页面得到响应：网站无法访问或网址有误",
    7: "页面结构可能已变化",
    8: "平台持续拦截（验证码或登录墙），已停止",
}
SKIP_REASONS = {
    "running": "上一次运行尚未结束",
    "locked": "另一个调度进程正在运行这个巡查",
    "stopping": "调度正在停止",
}
MISS_REASONS = {
    "down": "调度未运行期间到期，超过补跑时限",
    "coalesced": "多次错过，只补跑最近一次",
    "grace": "延误超过补跑时限",
}


def exit_label(code: int) -> str:
    if code < 0:
        return f"被信号 {signal.Signals(-code).name} 终止"
    return EXIT_LABELS.get(code, "未知退出码")


def _iso(at: datetime) -> str:
    return at.astimezone(BEIJING).isoformat(timespec="seconds")


def _clock(at: datetime) -> str:
    return f"{at.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}"


class ScheduleLog:
    """``schedule.jsonl``: one JSON line per event, appended whole (two schedulers on one
    data directory share it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)

    def last_due(self, tail: int = 1 << 20) -> dict[str, datetime]:
        """When each sweep was last due, from the log's last ``tail`` bytes."""
        try:
            with self.path.open("rb") as file:
                file.seek(max(0, self.path.stat().st_size - tail))
                lines = file.read().decode("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return {}
        due: dict[str, datetime] = {}
        for line in lines:
            try:
                entry = json.loads(line)
                at = datetime.fromisoformat(entry.get("last_scheduled") or entry["scheduled"])
                name = entry["sweep"]
            except (ValueError, KeyError, TypeError):
                continue  # a line cut by the tail, or not a run's
            if name not in due or at > due[name]:
                due[name] = at
        return due


class SweepScheduler:
    """The sweeps of ``schedule`` on their calendars until stopped; see the module's notes."""

    def __init__(
        self,
        schedule: ScheduleFile,
        settings: Settings,
        source: Path,
        echo: Callable[[str], None],
    ) -> None:
        self.schedule = schedule
        self.source = source
        self.planner = Planner(schedule, settings)
        self.echo = echo
        self.locks = settings.data_dir / "locks"
        self.log = ScheduleLog(settings.data_dir / "logs" / "schedule.jsonl")
        self.names = [n for n, s in schedule.sweeps.items() if s.enabled]
        self.triggers = {n: self.planner.trigger(n) for n in self.names}
        self._stop = threading.Event()
        self._terminate = threading.Event()
        self._kill = threading.Event()
        self._lock = threading.Lock()
        self._due: dict[str, datetime | None] = {}
        self._reason: str | None = None
        self._runs_limit: int | None = None
        self.ran = 0
        self.running: set[str] = set()  # sweeps whose run is under way

    # ------------------------------------------------------------ running

    def run(self, duration: float | None = None, runs: int | None = None) -> str:
        """Run until ``duration`` seconds passed, ``runs`` runs ended, or a signal; the reason
        it stopped: ``for``, ``runs``, ``SIGTERM``, ``SIGINT``."""
        from apscheduler import events
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        logging.getLogger("apscheduler").setLevel(logging.ERROR)  # we log every event
        self._runs_limit = runs
        scheduler = BackgroundScheduler(
            timezone=BEIJING,
            executors={"default": ThreadPoolExecutor(max(1, len(self.names)))},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.schedule.misfire_grace,
            },
        )
        mask = (
            events.EVENT_JOB_SUBMITTED
            | events.EVENT_JOB_MAX_INSTANCES
            | events.EVENT_JOB_EXECUTED
            | events.EVENT_JOB_ERROR
            | events.EVENT_JOB_MISSED
        )
        scheduler.add_listener(self._on_event, mask)
        self.locks.mkdir(parents=True, exist_ok=True)
        for name, first in self._first_runs().items():
            scheduler.add_job(
                self._job,
                self.triggers[name],
                args=[name],
                id=name,
                name=name,
                next_run_time=first,
            )
        restore = self._handle_signals()
        try:
            scheduler.start()
            self._started(duration)
            self._stop.wait(duration)
            self._reason = self._reason or ("runs" if runs and self.ran >= runs else "for")
            scheduler.pause()
            if self.running and not self._terminate.is_set():
                self.echo(f"不再开始新的运行；等待运行中的巡查结束：{'、'.join(self.running)}")
            scheduler.shutdown(wait=True)
        finally:
            restore()
        self.log.write(
            {
                "event": "scheduler",
                "action": "stop",
                "reason": self._reason,
                "runs": self.ran,
                "at": _iso(datetime.now(BEIJING)),
                **self._who(),
            }
        )
        self.echo(f"调度已停止（{self._stop_label()}），共运行 {self.ran} 次；日志 {self.log.path}")
        return self._reason

    def _first_runs(self) -> dict[str, datetime]:
        """Each sweep's first run: the next on its calendar, or a run it missed while the
        scheduler was stopped (its log says when it was last due) and may still make."""
        now = datetime.now(BEIJING)
        cut = now - timedelta(seconds=self.schedule.misfire_grace)
        last = self.log.last_due()
        first: dict[str, datetime] = {}
        for name in self.names:
            trigger = self.triggers[name]
            missed = trigger.get_next_fire_time(last[name], now) if name in last else None
            if missed is not None and missed < now:
                if missed < cut:
                    self._missed(name, missed, cut, "down")
                at = trigger.get_next_fire_time(None, max(missed, cut))
            else:
                at = trigger.get_next_fire_time(None, now)
            self._due[name] = at
            if at is None:
                self.echo(f"{name}: 日程中没有以后的运行")
                continue
            first[name] = at
        return first

    def _started(self, duration: float | None) -> None:
        self.log.write(
            {
                "event": "scheduler",
                "action": "start",
                "file": str(self.source),
                "sweeps": self.names,
                "misfire_grace_seconds": self.schedule.misfire_grace,
                "at": _iso(datetime.now(BEIJING)),
                **self._who(),
            }
        )
        until = f"，{format_duration(int(duration))} 后停止" if duration else "，按 Ctrl-C 停止"
        self.echo(
            f"调度已启动：{len(self.names)} 个巡查（{self.source}），"
            f"补跑时限 {format_duration(self.schedule.misfire_grace)}，日志 {self.log.path}{until}"
        )
        for name in self.names:
            at = self._due.get(name)
            self.echo(f"  {name}: 下次运行 {_clock(at) if at else '—'}")

    def _stop_label(self) -> str:
        return {"for": "到达 --for 时限", "runs": "达到 --runs 次数"}.get(
            self._reason or "", f"收到 {self._reason}"
        )

    def _handle_signals(self) -> Callable[[], None]:
        """SIGTERM and SIGINT stop the scheduler (signals reach only the main thread); the
        function that puts the former handlers back."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}

        def restore() -> None:
            for number, handler in previous.items():
                signal.signal(number, handler if handler is not None else signal.SIG_DFL)

        return restore

    def _on_signal(self, signum, frame) -> None:
        name = signal.Signals(signum).name
        if self._terminate.is_set():
            self._kill.set()
            self.echo(f"再次收到 {name}：立即结束运行中的巡查")
            return
        self._reason = self._reason or name
        self._terminate.set()
        self._stop.set()
        self.echo(
            f"收到 {name}，正在停止：运行中的巡查将被终止（{int(STOP_WAIT)} 秒内未结束则强制结束，"
            "再按一次 Ctrl-C 立即结束）"
        )

    # ------------------------------------------------------------ one run

    def _job(self, name: str) -> dict[str, Any]:
        """One run of sweep ``name`` (in a worker thread); what happened, for the log line
        ``_on_event`` writes with the time the run was due."""
        from filelock import FileLock, Timeout

        started = datetime.now(BEIJING)
        skipped = {"event": "skipped", "sweep": name, "at": _iso(started)}
        if self._stop.is_set():
            return {**skipped, "reason": "stopping"}
        lock = FileLock(self.locks / f"sweep-{name}.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return {**skipped, "reason": "locked", "lock": str(lock.lock_file)}
        self.running.add(name)
        try:
            return {
                "event": "run",
                "sweep": name,
                "started": _iso(started),
                **self._launch(name, started),
            }
        finally:
            self.running.discard(name)
            lock.release()

    def _launch(self, name: str, started: datetime) -> dict[str, Any]:
        from rules.errors import PackError

        try:
            run = self.planner.run_at(name, started)
            run.prepare()
        except (PackError, OSError) as exc:
            return {"code": 2, "meaning": exit_label(2), "error": str(exc)}
        holding = "".join(f"，{campaign_label(c)}" for c in run.campaigns)
        self.echo(f"[{_clock(started)}] 开始 {name}{holding}: {run.command_line}")
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            process = subprocess.Popen(
                run.argv(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # Ctrl-C reaches the scheduler, which stops it once
            )
            code, stopped = self._wait(process)
            out.seek(0)
            err.seek(0)
            stdout, stderr = (f.read().decode("utf-8", "replace") for f in (out, err))
        ended = datetime.now(BEIJING)
        entry = {
            "ended": _iso(ended),
            "seconds": round((ended - started).total_seconds(), 1),
            "code": code,
            "meaning": exit_label(code),
            "campaigns": [c.name for c in run.campaigns],
            "command": run.command_line,
            "pid": process.pid,
        }
        if stopped:
            entry["stopped"] = stopped
        entry.update(_sweep_summary(stdout))
        if code != 0:
            entry["stderr"] = stderr.strip().splitlines()[-5:]
        return entry

    def _wait(self, process: subprocess.Popen) -> tuple[int, str | None]:
        """The child's exit code once it ends; SIGTERM when the scheduler is told to stop,
        SIGKILL after ``STOP_WAIT`` or a second signal. Also how it was stopped."""
        stopped, since = None, 0.0
        while True:
            try:
                return process.wait(timeout=0.2), stopped
            except subprocess.TimeoutExpired:
                pass
            if stopped != "SIGKILL" and (
                self._kill.is_set() or (stopped and time.monotonic() - since > STOP_WAIT)
            ):
                process.kill()
                stopped = "SIGKILL"
            elif stopped is None and self._terminate.is_set():
                process.terminate()
                stopped, since = "SIGTERM", time.monotonic()

    # ------------------------------------------------------------ events

    def _on_event(self, event) -> None:
        from apscheduler import events

        name = event.job_id
        if event.code in (events.EVENT_JOB_SUBMITTED, events.EVENT_JOB_MAX_INSTANCES):
            due = event.scheduled_run_times[-1]
            with self._lock:
                expected = self._due.get(name)
                self._due[name] = self.triggers[name].get_next_fire_time(due, due)
            if expected is not None and expected < due:
                self._missed(name, expected, due, "coalesced")
            if event.code == events.EVENT_JOB_MAX_INSTANCES:
                at = datetime.now(BEIJING)
                self._record(name, due, {"event": "skipped", "reason": "running", "at": _iso(at)})
        elif event.code == events.EVENT_JOB_EXECUTED:
            self._record(name, event.scheduled_run_time, event.retval)
        elif event.code == events.EVENT_JOB_MISSED:
            self._missed(name, event.scheduled_run_time, None, "grace")
        elif event.code == events.EVENT_JOB_ERROR:
            entry = {"event": "error", "error": repr(event.exception), "traceback": event.traceback}
            self._record(name, event.scheduled_run_time, entry)

    def _record(self, name: str, due: datetime, entry: dict[str, Any]) -> None:
        entry = {"event": entry["event"], "sweep": name, "scheduled": _iso(due), **entry}
        if "started" in entry:
            late = datetime.fromisoformat(entry["started"]) - due
            entry["late_seconds"] = round(max(late.total_seconds(), 0.0), 1)
        self.log.write(entry)
        self.echo(_summary(entry))
        if entry["event"] == "run":
            with self._lock:
                self.ran += 1
                if self._runs_limit and self.ran >= self._runs_limit:
                    self._stop.set()

    def _missed(self, name: str, first: datetime, before: datetime | None, reason: str) -> None:
        """Log the runs of ``name`` due from ``first`` until ``before`` (None: ``first``
        only) that will not run."""
        runs, last, at = 0, first, first
        while at is not None and (before is None or at < before) and runs < MAX_COUNTED:
            runs, last = runs + 1, at
            if before is None:
                break
            at = self.triggers[name].get_next_fire_time(at, at)
        entry = {
            "event": "missed",
            "sweep": name,
            "scheduled": _iso(first),
            "last_scheduled": _iso(last),
            "runs": runs,
            "reason": reason,
            "at": _iso(datetime.now(BEIJING)),
        }
        if runs >= MAX_COUNTED:
            entry["at_least"] = True
        self.log.write(entry)
        self.echo(_summary(entry))

    def _who(self) -> dict[str, Any]:
        return {"host": socket.gethostname(), "pid": os.getpid()}


def _sweep_summary(stdout: str) -> dict[str, Any]:
    """What the log keeps of a sweep's ``--json`` result: its id, status and counts."""
    try:
        result = json.loads(stdout)
    except ValueError:
        return {}
    if not isinstance(result, dict):
        return {}
    summary = {k: result.get(k) for k in ("sweep_id", "status", "pages", "listings", "errors")}
    summary["leads"] = sum((result.get("leads") or {}).values())
    if result.get("log_file"):
        summary["log_file"] = result["log_file"]
    return summary


def _summary(entry: dict[str, Any]) -> str:
    """One Chinese line on stderr for a log entry."""
    name, due = entry["sweep"], datetime.fromisoformat(entry["scheduled"])
    now = _clock(datetime.now(BEIJING))
    if entry["event"] == "skipped":
        why = SKIP_REASONS[entry["reason"]]
        return f"[{now}] 跳过 {name} 计划于 {_clock(due)} 的运行：{why}"
    if entry["event"] == "missed":
        count = f"{entry['runs']}{'+' if entry.get('at_least') else ''} 次"
        span = _clock(due)
        if entry["last_scheduled"] != entry["scheduled"]:
            span += f" 至 {_clock(datetime.fromisoformat(entry['last_scheduled']))}"
        return f"[{now}] 错过 {name} 的 {count}运行（{span}）：{MISS_REASONS[entry['reason']]}"
    if entry["event"] == "error":
        return f"[{now}] {name} 运行出错（程序错误，请报告）：{entry['error']}"
    parts = [f"退出码 {entry['code']}（{entry['meaning']}）"]
    if entry.get("sweep_id") is not None:
        parts.append(f"巡查编号 {entry['sweep_id']}")
        parts.append(f"商品 {entry.get('listings', 0)}，线索 {entry.get('leads', 0)}")
    if entry.get("seconds") is not None:
        parts.append(f"用时 {entry['seconds']:.1f} 秒")
    if entry.get("late_seconds", 0) >= 60:
        parts.append(f"迟于计划 {format_duration(int(entry['late_seconds']))}")
    if entry.get("stopped"):
        parts.append(f"已由调度以 {entry['stopped']} 结束")
    line = f"[{now}] 结束 {name}（计划 {_clock(due)}）：" + "，".join(parts)
    if entry["code"] != 0 and entry.get("stderr"):
        line += f"\n  {entry['stderr'][-1]}"
    elif entry.get("error"):
        line += f"\n  {entry['error']}"
    return line
