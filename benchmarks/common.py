"""What the benchmarks share: a child's environment without this shell's WANGJIAN_ settings,
and the command line of ``wangjian`` run from this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any WANGJIAN_ variable, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANGJIAN_")}
    env.update(settings)
    return env


def wangjian(*args: str) -> list[str]:
    """The command that runs ``wangjian ARGS`` with this interpreter, from the checkout."""
    return [sys.executable, "-m", "cli", *args]


def sweep_demo(base_url: str, *args: str) -> list[str]:
    """``wangjian sweep demo --base-url BASE_URL ARGS``."""
    return wangjian("sweep", "demo", "--base-url", base_url, *args)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run ``args`` from the checkout: its wall time and standard output (it must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout
