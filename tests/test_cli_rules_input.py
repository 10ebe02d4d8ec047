"""JSON-lines input that loses nothing (`rules score`, `rules eval`): null is absent, a bad
line is named with file and line while the rest is still scored, the exit code says that a
line was bad, and a file that is missing, a folder or not UTF-8 is one clear line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli import Exit, main


def invoke(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def jsonl(tmp_path, *lines: str, encoding: str = "utf-8"):
    path = tmp_path / "in.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def verdicts(output: str) -> dict:
    return {v["id"]: v for v in map(json.loads, output.splitlines()) if v}


def test_null_fields_are_absent(tmp_path):
    line = {"id": "a", "title": "老象牙手镯", "description": None, "price": None, "uscc": None}
    result = invoke("rules", "score", str(jsonl(tmp_path, json.dumps(line, ensure_ascii=False))))
    assert result.exit_code == 0, result.output
    assert verdicts(result.stdout)["a"]["lead"] is True


def test_a_bad_line_is_named_and_the_rest_still_scored(tmp_path):
    path = jsonl(
        tmp_path,
        json.dumps({"id": "a", "title": "老象牙手镯"}, ensure_ascii=False),
        '{"id": "b", "title": ',  # cut off
        json.dumps([1, 2]),
        json.dumps({"id": "c", "title": "纯棉T恤", "price": "五块"}, ensure_ascii=False),
        json.dumps({"id": "d", "title": "穿山甲片 下奶"}, ensure_ascii=False),
    )
    result = invoke("rules", "score", str(path))
    assert result.exit_code == Exit.PARTIAL
    assert set(verdicts(result.stdout)) == {"a", "d"}
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{path}:2: not JSON")
    assert errors[1].startswith(f"{path}:3: expected a JSON object")
    assert errors[2].startswith(f"{path}:4: ") and "price" in errors[2]
    assert errors[3] == f"{path}: 3 of 5 lines could not be read (listed above)"


def test_eval_reports_bad_lines_and_evaluates_the_others(tmp_path):
    good = {"id": "a", "title": "老象牙手镯", "expect": ["wildlife"], "group": "plain"}
    path = jsonl(tmp_path, json.dumps(good, ensure_ascii=False), json.dumps({"id": "b"}))
    result = invoke("rules", "eval", str(path))
    assert result.exit_code == Exit.PARTIAL
    assert "样本 1 条" in result.stdout
    assert f"{path}:2: " in result.stderr and "expect" in result.stderr


def test_a_file_that_cannot_be_read_is_one_line(tmp_path):
    gbk = jsonl(tmp_path, json.dumps({"title": "老象牙手镯"}, ensure_ascii=False), encoding="gbk")
    for path, says in (
        (tmp_path / "missing.jsonl", "no such file"),
        (tmp_path, "is a folder"),
        (gbk, "not UTF-8"),
    ):
        result = invoke("rules", "score", str(path))
        assert result.exit_code == Exit.USER_ERROR, (path, result.output)
        assert says in result.stderr and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1
    assert "GBK" in invoke("rules", "score", str(gbk)).stderr


def test_standard_input_is_read_too():
    line = json.dumps({"id": "s", "title": "老象牙手镯"}, ensure_ascii=False) + "\n"
    result = invoke("rules", "score", "-", input=line.encode())
    assert result.exit_code == 0 and verdicts(result.stdout)["s"]["lead"]


def test_a_line_that_is_not_an_object_says_what_it_is(tmp_path):
    good = json.dumps({"id": "a", "title": "老象牙手镯"}, ensure_ascii=False)
    path = jsonl(tmp_path, "null", '"老象牙"', "[1]", "7", good)
    result = invoke("rules", "score", str(path))
    assert result.exit_code == Exit.PARTIAL
    assert set(verdicts(result.stdout)) == {"a"}
    found = [line.split("found ")[-1] for line in result.stderr.splitlines()[:4]]
    assert found == ["null", "a string", "an array", "a number"]


def test_standard_input_that_is_not_utf8_is_one_line():
    line = json.dumps({"id": "s", "title": "老象牙手镯"}, ensure_ascii=False) + "\n"
    result = invoke("rules", "score", "-", input=line.encode("gbk"))
    assert result.exit_code == Exit.USER_ERROR
    assert "not UTF-8" in result.stderr and len(result.stderr.strip().splitlines()) == 1
