"""``wangjian`` in a subprocess, as a scheduler or a script runs it.

A Twisted reactor cannot be restarted, so every whole crawl in the tests runs this way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "cli"]


def wangjian(*args: str, timeout: float = 240, **env: str) -> subprocess.CompletedProcess:
    """Run ``wangjian ARGS`` from the checkout; ``env`` adds variables (WANGJIAN_DATA_DIR…)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WANGJIAN_")}
    return subprocess.run(
        [*COMMAND, *map(str, args)],
        cwd=ROOT,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wangjian_json(*args: str, code: int = 0, **env: str):
    """Run ``wangjian ARGS --json``; assert its exit code; its JSON output."""
    done = wangjian(*args, "--json", **env)
    assert done.returncode == code, (done.returncode, done.stderr[-3000:])
    return json.loads(done.stdout)
