"""`make bench` starts: every benchmark module imports (a renamed helper broke one before),
and the shared pieces do what the benchmarks rely on."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(autouse=True)
def on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCHMARKS.glob("*.py")))
def test_every_benchmark_imports(name):
    module = importlib.import_module(name)
    if name.startswith("bench_"):
        assert callable(module.main)


def test_a_childs_environment_has_none_of_this_shells_settings(monkeypatch):
    import common

    monkeypatch.setenv("WANGJIAN_DATABASE_URL", "postgresql://elsewhere/db")
    env = common.clean_env(WANGJIAN_CAPTURE="false")
    assert "WANGJIAN_DATABASE_URL" not in env and env["WANGJIAN_CAPTURE"] == "false"
    assert common.sweep_demo("http://127.0.0.1:1", "--json")[:3] == [sys.executable, "-m", "cli"]
