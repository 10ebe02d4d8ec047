"""The analysts' commands: rules lint, test, explain, score, eval."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_lint_and_test_pass_on_the_shipped_packs():
    lint = invoke("rules", "lint")
    assert lint.exit_code == 0, lint.output
    assert lint.output.strip().endswith("0 error(s), 0 warning(s)")
    tested = invoke("rules", "test")
    assert tested.exit_code == 0, tested.output
    passed, failed = tested.output.strip().splitlines()[-1].split(", ")
    assert failed == "0 failed" and int(passed.split()[0]) >= 400


def test_rules_test_fails_on_a_broken_example(tmp_path):
    pack = tmp_path / "p.yaml"
    pack.write_text(
        "id: p\nversion: '1'\ntitle: 测试\nlegal_basis: x\nowner: y\nthreshold: 1\n"
        "rules:\n  - id: r\n    description: d\n    legal_basis: x\n    severity: low\n"
        "    weight: 1\n    terms: [象牙]\n    examples:\n      match: [象牙手镯, 犀角杯]\n"
        "      no_match: [象牙手镯]\n",
        encoding="utf-8",
    )
    result = invoke("rules", "test", str(pack))
    assert result.exit_code == 1
    assert "FAIL p.r: 应命中 犀角杯" in result.output
    assert "FAIL p.r: 不应命中 象牙手镯" in result.output
    assert result.output.strip().endswith("1 passed, 2 failed")


def test_explain_marks_the_span_the_seller_wrote():
    result = invoke("rules", "explain", "正品象 牙手镯")
    assert result.exit_code == 0, result.output
    assert "【象 牙手镯】" in result.output and "wildlife" in result.output
    assert "命中 (1)" in result.output  # 象牙 inside 象牙手镯 is the same finding


def test_score_writes_one_verdict_per_record(tmp_path):
    records = [
        {"id": "a", "title": "野生穿山甲片 包邮"},
        {"id": "b", "title": "象牙白连衣裙 夏季"},
        {"id": "c", "title": "纯棉T恤", "price": 9.9, "original_price": 199},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    result = invoke("rules", "score", str(source))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert lines[0]["lead"] and lines[0]["categories"] == ["wildlife"]
    assert not lines[1]["lead"] and lines[1]["hits"] == []
    assert lines[2]["categories"] == ["fake_promotion"]
    assert set(lines[0]) == {"id", "score", "lead", "categories", "hits"}


def test_score_names_the_bad_line(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "title": "ok"}\n{not json\n', encoding="utf-8")
    result = invoke("rules", "score", str(source))
    assert result.exit_code == 4  # the good line is still scored (tests/test_cli_rules_input.py)
    assert f"{source}:2: not JSON" in result.output


def test_eval_prints_precision_and_recall_per_pack():
    result = invoke("rules", "eval", str(ROOT / "tests" / "data" / "labelled.jsonl"))
    assert result.exit_code == 0, result.output
    for pack in ("wildlife", "prohibited_goods", "fake_promotion", "license_display"):
        line = next(x for x in result.output.splitlines() if x.startswith(pack))
        precision, recall = line.split()[-2:]
        assert float(precision.rstrip("%")) >= 95 and float(recall.rstrip("%")) >= 95, line
