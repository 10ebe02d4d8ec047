from __future__ import annotations

from pathlib import Path

from rules.examples import run_examples
from rules.loader import PACKS_DIR, load_packs

FIXTURES = Path(__file__).parent / "fixtures" / "packs"


def test_fixture_examples_all_pass():
    results = run_examples(load_packs(FIXTURES))
    assert len(results) == 25
    assert [r for r in results if not r.passed] == []
    first = [r for r in results if r.rule_id == "fx_wildlife.ivory"][0]
    assert (first.example, first.expected_match, first.why) == (
        "正品象牙手镯",
        True,
        "命中 象牙(term)",
    )


def test_failing_example_says_why(tmp_path):
    text = (FIXTURES / "fx_wildlife.yaml").read_text(encoding="utf-8")
    text = text.replace('no_match: ["象牙白连衣裙"]', 'no_match: ["象牙手镯"]')
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    [bad] = [r for r in run_examples(load_packs(tmp_path)) if not r.passed]
    assert (bad.rule_id, bad.example, bad.expected_match, bad.why) == (
        "fx_wildlife.ivory",
        "象牙手镯",
        False,
        "命中 象牙(term)",
    )


def test_shipped_pack_examples_pass():
    if not any(PACKS_DIR.glob("*.yaml")):
        return
    failed = [(r.rule_id, r.example, r.why) for r in run_examples(load_packs()) if not r.passed]
    assert failed == []
