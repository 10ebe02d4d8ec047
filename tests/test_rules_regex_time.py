"""Regular expressions that cannot hang: lint refuses the catastrophic forms it can see —
now also alternatives that start with a class, (\\w|\\d\\d)+z — and every pattern runs with a
time budget, so one that slips past the check (a pack built in Python, bypassing lint) stops
on a hostile text and the verdict names the rule instead of the sweep stalling."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from cli import main
from rules.engine import Scorer
from rules.model import Pack, PackSet, Rule

PACK = """\
id: slow
version: "1"
title: 测试
legal_basis: 测试
owner: 测试
threshold: 1
rules:
  - id: classes
    description: backtracks on digits
    legal_basis: 测试
    severity: low
    weight: 1
    regex: ['(\\w|\\d\\d)+z']
    examples:
      match: [abz]
"""


def test_lint_refuses_alternatives_that_start_with_a_class(tmp_path):
    path = tmp_path / "slow.yaml"
    path.write_text(PACK, encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "lint", str(path)])
    assert result.exit_code == 1, result.output
    assert f"{path}:13:" in result.output and "backtrack" in result.output


def scorer_of(pattern: str, timeout_s: float) -> Scorer:
    rule = Rule(
        id="slow", description="x", legal_basis="x", severity="low", weight=1, regex=[pattern]
    )
    pack = Pack(
        id="t", version="1", title="t", legal_basis="t", owner="t", threshold=1, rules=[rule]
    )
    return Scorer(PackSet(packs=[pack]), regex_timeout_s=timeout_s)


@pytest.mark.parametrize("text", ["1" * 35, "1" * 39, "1" * 10_000])
def test_the_pattern_of_the_issue_scores_long_titles_promptly(text):
    scorer = scorer_of(r"(\w|\d\d)+z", 0.2)
    started = time.monotonic()
    verdict = scorer.score(text)
    assert time.monotonic() - started < 5  # Python's re took 12 s at 35 characters
    assert verdict.lead is False


def test_a_pattern_past_its_budget_stops_and_the_verdict_says_so():
    scorer = scorer_of(r"(a|aa)+b", 0.05)  # exponential on a run of a's with no b
    started = time.monotonic()
    verdict = scorer.score({"title": "a" * 40, "description": "正常描述 ab"})
    assert time.monotonic() - started < 5
    (problem,) = verdict.problems
    assert "t.slow" in problem and "超过 50 毫秒" in problem
    # The field that could be matched still is: the description's hit stands.
    assert [(h.field, h.matched) for h in verdict.hits] == [("description", "ab")]
