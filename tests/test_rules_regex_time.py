"""Regular expressions that cannot hang: pack patterns run in RE2, linear in the text whatever
the pattern, so the issue's (\\w|\\d\\d)+z (12 s on 35 characters in Python's re) loads and
scores 10,000 characters at once; what RE2 lacks (lookaround, backreferences) is a lint error
naming the construct; Python's meaning of \\d, \\w and \\s is kept."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from cli import Exit, main
from rules.engine import Scorer
from rules.loader import lint_packs, load_packs
from rules.patterns import PatternError, PatternSet, compile_pattern

PACK = """\
id: slow
version: "1"
title: 测试
legal_basis: 测试
owner: 测试
threshold: 1
rules:
  - id: classes
    description: backtracks on digits in Python's re
    legal_basis: 测试
    severity: low
    weight: 1
    regex: [{pattern}]
    examples:
      match: [abz]
"""


def pack_file(tmp_path, pattern: str):
    path = tmp_path / "slow.yaml"
    path.write_text(PACK.format(pattern=pattern), encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ["1" * 35, "1" * 39, "1" * 10_000, "1" * 10_000 + "z"])
def test_the_pattern_of_the_issue_loads_and_scores_long_titles(tmp_path, text):
    path = pack_file(tmp_path, r"'(\w|\d\d)+z'")
    assert [i for i in lint_packs(path) if i.severity == "error"] == []
    verdict = Scorer(load_packs(path)).score(text)
    assert verdict.lead is text.endswith("z")


@pytest.mark.timeout(60)
def test_rules_lint_test_and_score_take_the_pattern(tmp_path):
    path = pack_file(tmp_path, r"'(\w|\d\d)+z'")
    assert invoke("rules", "lint", str(path)).exit_code == 0
    assert invoke("rules", "test", str(path)).exit_code == 0
    titles = tmp_path / "titles.jsonl"
    lines = [{"id": "long", "title": "1" * 10_000}, {"id": "hit", "title": "12ab" * 2_500 + "z"}]
    titles.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    result = invoke("rules", "score", str(titles), "--packs", str(path))
    assert result.exit_code == 0, result.output
    leads = {v["id"]: v["lead"] for v in map(json.loads, result.stdout.splitlines())}
    assert leads == {"long": False, "hit": True}


@pytest.mark.parametrize(
    ("pattern", "says", "at"),
    [
        (r"'(a)\1'", r"a backreference (\1)", 4),
        ("'(?P<x>a)(?P=x)'", "a backreference (?P=name)", 9),
        ("'no1(?![0-9])'", "a negative lookahead (?!…)", 4),
        ("'(?<!虎皮)鹦鹉'", "a negative lookbehind (?<!…)", 1),
        ("'(?<=x)y'", "a lookbehind (?<=…)", 1),
        ("'a++'", "a possessive repeat (++)", 2),
    ],
)
def test_lint_names_what_re2_does_not_support(tmp_path, pattern, says, at):
    path = pack_file(tmp_path, pattern)
    result = invoke("rules", "lint", str(path))
    assert result.exit_code == Exit.FINDINGS, result.output
    # file:line:col of the pattern in the YAML, then the construct and its place in it
    assert f"{path}:13:13: rules[0].regex[0]: pattern " in result.stderr
    assert f"uses {says} at character {at}, which pack regexes do not support" in result.stderr


def test_a_lookaround_names_the_way_to_write_it(tmp_path):
    (issue,) = [i for i in lint_packs(pack_file(tmp_path, "'no1(?![0-9])'"))]
    assert "(?P<hit>no1)(?:[^0-9]|$)" in issue.message


def test_a_scorer_built_without_lint_refuses_the_pattern_too():
    from rules.model import Pack, PackSet, Rule

    rule = Rule(
        id="r", description="x", legal_basis="x", severity="low", weight=1, regex=[r"(a)\1"]
    )
    pack = Pack(
        id="t", version="1", title="t", legal_basis="t", owner="t", threshold=1, rules=[rule]
    )
    with pytest.raises(PatternError, match="backreference"):
        Scorer(PackSet(packs=[pack]))


def test_the_hit_group_reports_only_its_span():
    pattern = compile_pattern(r"(?P<hit>no1)(?:[^0-9]|$)")
    assert list(pattern.spans("no1热销")) == [(0, 3)]
    assert list(pattern.spans("本店no1")) == [(2, 5)]
    assert list(pattern.spans("no10")) == []


@pytest.mark.parametrize(
    "pattern",
    [
        r"\w+",
        r"\d+",
        r"\D+",
        r"\s",
        r"\S+",
        r"\W",
        r"[\w-]+",
        r"[^\d]+",
        r"x{,3}",
        r"x{,}",
        r"[\s]",
        r"\u7259",
    ],
)
def test_classes_mean_what_they_mean_in_python(pattern):
    texts = ["中文abc_123", "٣４ ３", "a\u3000b\xa0c\td", "xxxx{,3}", "象牙", "-"]
    ours, python = compile_pattern(pattern), re.compile(pattern)
    for text in texts:
        expected = [m.span() for m in python.finditer(text) if m.end() > m.start()]
        assert list(ours.spans(text)) == expected, (pattern, text)


def test_word_boundaries_are_refused_with_a_way_out():
    with pytest.raises(PatternError, match=r"\\b .*use a term"):
        compile_pattern(r"\bak47\b")


def test_the_set_that_finds_which_patterns_occur_falls_back_to_every_pattern():
    patterns = [compile_pattern(p) for p in ("象牙", "(?P<hit>no1)(?:[^0-9]|$)", "犀角")]
    found = PatternSet(patterns)
    assert sorted(found.occurring("本店no1象牙")) == [0, 1]
    assert list(found.occurring("纯棉T恤")) == []

    class OutOfMemory:  # RE2's Set reports nothing when its DFA runs out of memory
        def Match(self, text):
            return None

    found._set = OutOfMemory()
    assert list(found.occurring("本店no1象牙")) == [0, 1, 2]


def test_a_scorer_survives_deepcopy_and_pickle():
    # Scrapy deep-copies its settings, WANGJIAN_SCORER among them; RE2's Set cannot be pickled
    import copy
    import pickle

    scorer = Scorer(load_packs(None))
    for other in (copy.deepcopy(scorer), pickle.loads(pickle.dumps(scorer))):
        verdict = other.score("本店No.1 鹦鹉活体")
        assert verdict.categories == ["fake_promotion", "wildlife"]
