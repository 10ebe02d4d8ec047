"""Run every rule's examples like a test runner: each example must (not) fire its rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.engine import Scorer
from rules.model import ExampleRecord, PackSet
from rules.record import Record


@dataclass(frozen=True)
class ExampleResult:
    """One example of one rule, and whether the rule behaved as the example says."""

    rule_id: str
    example: str | dict[str, Any]
    expected_match: bool
    passed: bool
    why: str


def _record(example: str | ExampleRecord) -> Record:
    if isinstance(example, str):
        return Record(title=example)
    return Record.model_validate(example.model_dump())


def _shown(example: str | ExampleRecord) -> str | dict[str, Any]:
    if isinstance(example, str):
        return example
    return example.model_dump(exclude_defaults=True)


def run_examples(packset: PackSet, scorer: Scorer | None = None) -> list[ExampleResult]:
    """Score every example of every rule; one result per example, in pack and rule order."""
    scorer = scorer or Scorer(packset)
    results: list[ExampleResult] = []
    for pack in packset.packs:
        for rule in pack.rules:
            if rule.examples is None:
                continue
            rule_id = f"{pack.id}.{rule.id}"
            cases = [(e, True) for e in rule.examples.match]
            cases += [(e, False) for e in rule.examples.no_match]
            for example, expected in cases:
                verdict = scorer.score(_record(example))
                hits = [h for h in verdict.hits if h.rule_id == rule_id]
                if hits:
                    shown = "、".join(f"{h.matched or h.term}({h.via})" for h in hits)
                    why = f"命中 {shown}"
                else:
                    why = "规则未命中"
                    others = sorted({h.rule_id for h in verdict.hits})
                    if others:
                        why += f"（其他规则命中: {', '.join(others)}）"
                results.append(
                    ExampleResult(rule_id, _shown(example), expected, bool(hits) == expected, why)
                )
    return results
