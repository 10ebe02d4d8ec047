from __future__ import annotations

from pathlib import Path

import pytest

from rules.errors import Issue, PackError
from rules.loader import PACKS_DIR, lint_packs, load_packs

FIXTURES = Path(__file__).parent / "fixtures" / "packs"

HEAD = """\
id: broken
version: "1"
title: 坏包
legal_basis: 测试
owner: 测试
threshold: 5
rules:
"""
RULE = """\
  - id: {id}
    description: 测试
    legal_basis: 测试
    severity: high
    weight: {weight}
    terms: [象牙]
    examples: {{match: [象牙]}}
"""

BROKEN = (
    HEAD
    + RULE.format(id="ok", weight=1)
    + """\
  - id: wrong_type
    description: 测试
    legal_basis: 测试
    severity: high
    weight: lots
    terms: [象牙]
  - id: unknown_field
    description: 测试
    legal_basis: 测试
    severity: high
    weight: 1
    term: [象牙]
  - id: bad_regex
    description: 测试
    legal_basis: 测试
    severity: high
    weight: 1
    regex: ['ok', '[unclosed']
  - id: backreference
    description: 测试
    legal_basis: 测试
    severity: high
    weight: 1
    regex: ['(a+)+b', '(a)\\1']
"""
    + RULE.format(id="ok", weight=1)
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_lint_collects_every_issue_with_lines(tmp_path):
    path = write(tmp_path, "broken.yaml", BROKEN)
    issues = lint_packs(path)
    errors = [(i.line, i.column, i.field, i.message) for i in issues if i.severity == "error"]
    assert errors == [
        (
            19,
            13,
            "rules[1].weight",
            "Input should be a valid number, unable to parse string as a number",
        ),
        (26, 5, "rules[2].term", "unknown field 'term' (did you mean 'terms'?)"),
        (
            32,
            19,
            "rules[3].regex[1]",
            "invalid regular expression: missing ]: [unclosed",
        ),
        (
            38,
            23,
            "rules[4].regex[1]",
            "pattern '(a)\\1' uses a backreference (\\1) at character 4, which pack regexes do "
            "not support: RE2 matches in linear time and cannot refer back to a group",
        ),
        (39, 9, "rules[5].id", "duplicate rule id 'ok'"),
    ]
    warnings = [(i.line, i.field, i.message) for i in issues if i.severity == "warning"]
    assert warnings == [
        (27, "rules[3].id", "rule 'bad_regex' has no examples"),
        (33, "rules[4].id", "rule 'backreference' has no examples"),
    ]


def test_run_mode_stops_at_first_error(tmp_path):
    path = write(tmp_path, "broken.yaml", BROKEN)
    with pytest.raises(PackError) as exc:
        load_packs(path)
    assert len(exc.value.issues) == 1
    assert str(exc.value) == (
        f"{path}:19:13: rules[1].weight: "
        "Input should be a valid number, unable to parse string as a number"
    )


def test_missing_field_and_bad_check_kind(tmp_path):
    text = (
        HEAD.replace("owner: 测试\n", "")
        + """\
  - id: c
    description: 测试
    legal_basis: 测试
    severity: huge
    weight: 1
    check: {kind: licence_colour}
"""
    )
    issues = lint_packs(write(tmp_path, "p.yaml", text))
    got = [(i.line, i.field, i.message[:40]) for i in issues if i.severity == "error"]
    assert got == [
        (1, "owner", "required field is missing"),
        (10, "rules[0].severity", "Input should be 'low', 'medium', 'high' "),
        (12, "rules[0].check", "Input tag 'licence_colour' found using '"),
    ]


def test_check_and_terms_together_refused(tmp_path):
    text = HEAD + RULE.format(id="both", weight=1) + "    check: {kind: licence_present}\n"
    [issue] = [i for i in lint_packs(write(tmp_path, "p.yaml", text)) if i.severity == "error"]
    assert (issue.line, issue.field) == (15, "rules[0].check")
    assert issue.message.startswith("a rule has either a check or text matchers")


def test_yaml_syntax_error_and_duplicate_key(tmp_path):
    [issue] = lint_packs(write(tmp_path, "bad.yaml", "id: [unclosed\n"))
    assert (issue.line, issue.message.startswith("YAML syntax")) == (2, True)
    text = HEAD.replace("threshold: 5\n", "threshold: 5\nthreshold: 6\n") + RULE.format(
        id="a", weight=1
    )
    [issue] = lint_packs(write(tmp_path, "dup.yaml", text))
    assert (issue.line, issue.column, issue.message) == (7, 1, "duplicate key 'threshold'")


def test_duplicate_pack_ids_across_files(tmp_path):
    good = HEAD + RULE.format(id="a", weight=1)
    write(tmp_path, "a.yaml", good)
    write(tmp_path, "b.yaml", good)
    with pytest.raises(PackError) as exc:
        load_packs(tmp_path)
    issue = exc.value.issues[0]
    assert (Path(issue.path).name, issue.line, issue.field) == ("b.yaml", 1, "id")
    assert issue.message.startswith("duplicate pack id 'broken' (also in ")


def test_fixture_packs_load_cleanly():
    packset = load_packs(FIXTURES)
    assert [p.id for p in packset.packs] == ["fx_shop", "fx_wildlife"]
    assert packset.versions() == {"fx_shop": "2026.1.0", "fx_wildlife": "2026.1.0"}
    assert packset.search_terms() == {"fx_shop": [], "fx_wildlife": ["象牙", "穿山甲片"]}
    assert packset.warnings == []
    assert lint_packs(FIXTURES) == []


def test_missing_path():
    with pytest.raises(PackError) as exc:
        load_packs("/nonexistent/packs")
    assert exc.value.issues == [Issue("/nonexistent/packs", 0, 0, "", "no such file or folder")]


def test_shipped_packs_have_no_errors():
    if not any(PACKS_DIR.glob("*.yaml")):
        pytest.skip("no shipped packs yet")
    assert [str(i) for i in lint_packs() if i.severity == "error"] == []
