"""``wangjian`` in a subprocess, as a scheduler or a script runs it.

A Twisted reactor cannot be restarted, so every whole crawl in the tests runs this way.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "cli"]
#: The data directory of a run that names none: never the checkout's own wangjian-data.
SCRATCH = tempfile.mkdtemp(prefix="wangjian-tests-")


def environment(env: dict[str, str]) -> dict[str, str]:
    """This process's environment without its WANGJIAN_ settings, plus ``env``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WANGJIAN_")}
    # Evidence capture costs a Chromium render a lead: on only where a test asks for it
    # (tests/test_evidence.py), so that the other sweeps stay quick.
    return {**environ, "WANGJIAN_DATA_DIR": SCRATCH, "WANGJIAN_CAPTURE": "false", **env}


def wangjian(*args: str, timeout: float = 240, **env: str) -> subprocess.CompletedProcess:
    """Run ``wangjian ARGS`` from the checkout; ``env`` adds variables (WANGJIAN_DATA_DIR…)."""
    return subprocess.run(
        [*COMMAND, *map(str, args)],
        cwd=ROOT,
        env=environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wangjian_json(*args: str, code: int = 0, **env: str):
    """Run ``wangjian ARGS --json``; assert its exit code; its JSON output."""
    done = wangjian(*args, "--json", **env)
    assert done.returncode == code, (done.returncode, done.stderr[-3000:])
    return json.loads(done.stdout)


def stored_rows(path: Path, table: str) -> int:
    """Rows of ``table`` in the SQLite file at ``path`` (0 before it exists)."""
    try:
        with sqlite3.connect(path, timeout=30) as connection:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def sweep_killed_after(args: list[str], path: Path, listings: int) -> int:
    """Run ``wangjian ARGS`` and SIGKILL it once the SQLite file at ``path`` holds
    ``listings`` listings; its exit code (a negative signal number)."""
    process = subprocess.Popen(
        [*COMMAND, *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment({}),
    )
    try:
        deadline = time.monotonic() + 120
        while stored_rows(path, "listings") < listings and process.poll() is None:
            assert time.monotonic() < deadline, "the sweep stored nothing"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    return process.returncode
