"""A sweep's progress: one live line on a terminal, plain periodic lines elsewhere, and a log
file of each run."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import re
import subprocess
import time
from pathlib import Path

import yaml
from click.testing import CliRunner
from rich.console import Console
from wangjian_process import COMMAND, ROOT, environment, wangjian

from cli import main
from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from crawler.progress import Counts, Progress, live_view, plain_line
from spiders.profile import PROFILES_DIR

COUNTS = Counts(
    seconds=125, pages=250, listings=180, shops=20, ads=9, leads=14, failures=2, retries=3
)
#: Control characters but the newline: what a line read off a terminal must not hold.
CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 进度 \d\d:\d\d: 页面 \d+（[\d.]+ 页/秒），商品 \d+"
)


def test_the_plain_line_holds_every_count_and_no_control_character():
    assert plain_line(COUNTS) == (
        "进度 02:05: 页面 250（2.0 页/秒），商品 180，店铺 20，广告 9，线索 14，失败 2，重试 3"
    )
    assert plain_line(Counts(seconds=3725, blocked=4)).startswith("进度 1:02:05: ")
    assert plain_line(Counts(seconds=0, blocked=4)).endswith("，被拦截 4")


def unstyled(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def render(view, width: int) -> str:
    stream = io.StringIO()
    Console(file=stream, force_terminal=True, width=width, color_system="standard").print(view)
    return stream.getvalue()


def test_the_live_line_is_coloured_and_cut_to_the_terminal():
    shown = render(live_view(COUNTS), 120)
    plain = unstyled(shown)
    assert (
        plain
        == "巡查 02:05  页面 250 (2.0/秒)  商品 180  店铺 20  广告 9  线索 14  失败 2  重试 3\n"
    )
    assert "\x1b[1;31m2\x1b[0m" in shown  # failures in red
    narrow = unstyled(render(live_view(COUNTS, 40), 40))
    assert narrow.count("\n") == 1 and narrow.rstrip("\n").endswith("…")


class Stats:
    def __init__(self) -> None:
        self.values = {"response_received_count": 0}

    def get_stats(self) -> dict:
        return self.values


def test_progress_logs_a_line_each_interval_and_keeps_the_live_line_between(caplog):
    clock = [100.0]
    stats = Stats()
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    progress = Progress(stats, interval=3, console=console, now=lambda: clock[0])
    progress.begin()
    with caplog.at_level(logging.INFO, logger="crawler.progress"):
        for second in range(1, 7):  # the live line is redrawn every second
            clock[0] = 100.0 + second
            stats.values["response_received_count"] = second * 10
            progress.tick()
    progress.end()
    assert [r.getMessage()[:8] for r in caplog.records] == ["进度 00:03", "进度 00:06"]
    assert "巡查 00:06  页面 60 (10.0/秒)" in unstyled(stream.getvalue())
    # Transient: erased at the end, and the cursor shown again.
    assert "\x1b[?25h" in stream.getvalue() and stream.getvalue().endswith("\x1b[2K")


def fast_profile(folder: Path) -> Path:
    """The demo profile without Chromium: a few seconds a sweep."""
    data = yaml.safe_load((PROFILES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    data["listing"].pop("render", None)
    path = folder / "fast.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_off_a_terminal_a_sweep_writes_plain_lines_and_keeps_them_in_its_log(tmp_path):
    env = {
        "WANGJIAN_DATA_DIR": str(tmp_path),
        "WANGJIAN_PROGRESS_INTERVAL": "0.2",
        "WANGJIAN_DOWNLOAD_DELAY": "0.05",  # two seconds or more: several lines
    }
    with DemoServer(build_catalog(seed=7, size=30)) as site:
        args = ("sweep", fast_profile(tmp_path), "--base-url", site.url, "--keyword", "象牙")
        done = wangjian(*args, "--json", **env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not CONTROLS.search(done.stderr)
    lines = [line for line in done.stderr.splitlines() if "进度" in line]
    assert len(lines) >= 3 and all(LINE.match(line) for line in lines), done.stderr
    show = ["sweeps", "show", "1", "--database-url", f"sqlite:///{tmp_path / 'wangjian.db'}"]
    result = json.loads(CliRunner().invoke(main, [*show, "--json"]).output)
    log = Path(result["log_files"][0])
    assert log.parent == tmp_path / "logs" and log.name.startswith("sweep-1-")
    written = log.read_text(encoding="utf-8")
    assert "[scrapy.core.engine] INFO: Closing spider (finished)" in written
    progress = [line for line in written.splitlines() if "[crawler.progress] INFO: 进度" in line]
    assert len(progress) == len(lines)
    assert f"日志: {log}\n" in CliRunner().invoke(main, show).output


def test_on_a_terminal_a_sweep_shows_one_live_line_and_then_its_summary(tmp_path):
    env = environment(
        {"WANGJIAN_DATA_DIR": str(tmp_path), "WANGJIAN_DOWNLOAD_DELAY": "0.05", "COLUMNS": "100"}
    )
    with DemoServer(build_catalog(seed=7, size=30)) as site:
        args = ["sweep", str(fast_profile(tmp_path)), "--base-url", site.url, "--keyword", "象牙"]
        controller, terminal = pty.openpty()
        sweep = subprocess.Popen(
            [*COMMAND, *args], cwd=ROOT, env=env, stdin=terminal, stdout=terminal, stderr=terminal
        )
        os.close(terminal)
        shown = read_all(controller, sweep)
    assert sweep.returncode == 0, shown[-3000:]
    assert "\x1b[?25l" in shown and re.search(r"巡查 .*00:0\d.*页面 .*\d+", shown)
    summary = shown[shown.rindex("\x1b[?25h") :]  # after the live line is gone
    assert "扫描完成: 页面 " in summary and f"日志: {tmp_path / 'logs'}" in summary


def read_all(fd: int, process: subprocess.Popen, timeout: float = 120) -> str:
    """Everything written to the terminal ``fd`` until ``process`` ends."""
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=max(1.0, deadline - time.monotonic()))
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")
