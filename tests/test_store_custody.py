"""The custody log: a hash chain that shows any line changed, deleted, moved or cut short."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.custody import ZERO, CustodyError, CustodyLog, Event, default_actor, file_entry

ROOT = Path(__file__).resolve().parents[1]
SHA = "ab" * 32


def filled(tmp_path: Path, n: int = 5) -> CustodyLog:
    log = CustodyLog(tmp_path / "evidence" / "custody.jsonl")
    for i in range(1, n + 1):
        log.append("capture", "tester", {"lead_ids": [i], "note": f"lead {i}"})
    return log


def lines(log: CustodyLog) -> list[bytes]:
    return log.path.read_bytes().split(b"\n")[:-1]


def rewrite(log: CustodyLog, new: list[bytes]) -> None:
    log.path.write_bytes(b"".join(line + b"\n" for line in new))


def test_each_event_names_the_hash_of_the_line_before_it(tmp_path):
    log = CustodyLog(tmp_path / "evidence" / "custody.jsonl")  # the folder does not exist yet
    made = [
        log.append("capture", "tester", {"sweep_id": 3}, [{"path": "pages/a.html", "sha256": SHA}]),
        log.append("view", "tester", "opened lead 7"),
        log.append("export", what={"lead_ids": [7, 8]}),
    ]
    assert log.events() == made
    assert [e.seq for e in made] == [1, 2, 3]
    stored = lines(log)
    assert [e.hash for e in made] == [hashlib.sha256(line).hexdigest() for line in stored]
    assert [e.prev for e in made] == [ZERO, made[0].hash, made[1].hash]
    assert log.head() == made[-1].hash
    assert made[0].files == [{"path": "pages/a.html", "sha256": SHA}]
    assert made[2].by == default_actor() and "@" in made[2].by
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", made[0].at)
    assert log.verify() == []
    assert log.verify(expected_head=log.head()) == []


def test_an_empty_or_missing_log_is_intact_with_a_zero_head(tmp_path):
    log = CustodyLog(tmp_path / "custody.jsonl")
    assert (log.events(), log.verify(), log.head()) == ([], [], ZERO)
    assert log.verify(expected_head=ZERO) == []
    [problem] = log.verify(expected_head=SHA)
    assert problem.line == 0 and "empty" in problem.message


def test_one_character_changed_in_a_middle_line_is_caught_at_the_next(tmp_path):
    log = filled(tmp_path)
    stored = lines(log)
    stored[2] = stored[2].replace(b"lead 3", b"lead 8")
    rewrite(log, stored)
    [problem] = log.verify()
    assert problem.line == 4
    assert "line 4" in problem.message and "line 3" in problem.message


def test_a_hand_edit_out_of_canonical_form_is_caught_on_its_own_line(tmp_path):
    log = filled(tmp_path, 3)
    stored = lines(log)
    stored[2] = stored[2].replace(b'"by":', b'"by": ')
    rewrite(log, stored)
    [problem] = log.verify()
    assert problem.line == 3 and "canonical" in problem.message


def test_a_deleted_middle_line_breaks_seq_and_prev(tmp_path):
    log = filled(tmp_path)
    stored = lines(log)
    del stored[2]
    rewrite(log, stored)
    problems = log.verify()
    assert {p.line for p in problems} == {3}
    assert any("seq 4 where 3 was expected" in p.message for p in problems)
    assert any("prev does not match the hash of line 2" in p.message for p in problems)


def test_a_deleted_first_line_is_caught(tmp_path):
    log = filled(tmp_path, 3)
    rewrite(log, lines(log)[1:])
    problems = log.verify()
    assert {p.line for p in problems} == {1} and len(problems) == 2


def test_a_deleted_last_line_is_caught_only_against_the_stored_head(tmp_path):
    log = filled(tmp_path)
    head = log.head()
    rewrite(log, lines(log)[:-1])
    assert log.verify() == []
    [problem] = log.verify(expected_head=head)
    assert problem.line == 4 and head in problem.message and "deleted" in problem.message


def test_a_head_stored_before_later_appends_names_the_lines_after_it(tmp_path):
    log = filled(tmp_path, 3)
    head = log.head()
    log.append("verify", "tester")
    log.append("referral", "tester", {"lead_ids": [2], "to": "鄂州市市场监督管理局"})
    [problem] = log.verify(expected_head=head)
    assert problem.line == 5 and "line 3's hash" in problem.message and "4-5" in problem.message


def test_two_swapped_lines_are_caught(tmp_path):
    log = filled(tmp_path)
    stored = lines(log)
    stored[1], stored[2] = stored[2], stored[1]
    rewrite(log, stored)
    problems = log.verify()
    assert {p.line for p in problems} == {2, 3, 4}
    assert any("seq 3 where 2 was expected" in p.message for p in problems)


def test_a_truncated_last_line_is_reported_and_refused(tmp_path):
    log = filled(tmp_path, 3)
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-20])
    problems = log.verify()
    assert {p.line for p in problems} == {3}
    assert any("no newline" in p.message for p in problems)
    assert any("does not parse" in p.message for p in problems)
    with pytest.raises(CustodyError, match="truncated"):
        log.events()
    with pytest.raises(CustodyError, match="truncated"):
        log.append("view", "tester")
    with pytest.raises(CustodyError, match="truncated"):
        log.head()
    assert log.path.read_bytes() == data[:-20]  # nothing glued onto the broken line


def test_only_the_newline_missing_is_still_reported(tmp_path):
    log = filled(tmp_path, 2)
    log.path.write_bytes(log.path.read_bytes()[:-1])
    [problem] = log.verify()
    assert problem.line == 2 and "no newline" in problem.message


def test_a_line_that_does_not_parse_is_named(tmp_path):
    log = filled(tmp_path, 3)
    stored = lines(log)
    stored[1] = b"{not json"
    rewrite(log, stored)
    problems = log.verify()
    assert [p.line for p in problems] == [2, 3]
    assert problems[0].message.startswith("line 2 does not parse")
    with pytest.raises(CustodyError, match="line 2 does not parse"):
        log.events()
    rewrite(log, [*stored, b'{"seq": 4}'])
    with pytest.raises(CustodyError, match="last line does not parse"):
        log.append("view", "tester")


def test_bad_arguments_write_nothing(tmp_path):
    log = CustodyLog(tmp_path / "custody.jsonl")
    with pytest.raises(ValueError, match="action"):
        log.append("delete", "tester")
    with pytest.raises(ValueError, match="files"):
        log.append("capture", "tester", files=[{"path": "/etc/passwd", "sha256": SHA}])
    with pytest.raises(TypeError):
        log.append("capture", "tester", {"when": object()})
    assert not log.path.exists()


def test_chinese_text_round_trips_unescaped(tmp_path):
    log = CustodyLog(tmp_path / "custody.jsonl")
    what = {"lead_ids": [12], "note": "涉嫌未亮照经营，移送鄂州市市场监督管理局"}
    made = log.append("referral", "张三", what)
    [read] = CustodyLog(log.path).events()
    assert read == made and read.what == what and read.by == "张三"
    assert "移送鄂州市".encode() in log.path.read_bytes()


def test_the_line_hash_is_a_fixed_function_of_the_event():
    event = Event(
        seq=1,
        at="2025-01-02T03:04:05.678901+00:00",
        by="张三@wangjian-01",
        action="capture",
        what={"lead_ids": [3, 1], "sweep_id": 42, "note": "证据"},
        files=[{"path": "evidence/3/page.html", "sha256": SHA}],
        prev=ZERO,
    )
    line = event.line()
    assert (
        line
        == (
            '{"action":"capture","at":"2025-01-02T03:04:05.678901+00:00","by":"张三@wangjian-01",'
            '"files":[{"path":"evidence/3/page.html","sha256":"'
            + SHA
            + '"}],"prev":"'
            + ZERO
            + '",'
            '"seq":1,"what":{"lead_ids":[3,1],"note":"证据","sweep_id":42}}'
        ).encode()
    )
    parsed = Event.parse(line)
    assert parsed == event
    assert parsed.hash == "f64ecd676118f3bed68ce1daf2bcf694aa596b9877d1265376fd4ab1b5719caa"


def test_a_last_line_longer_than_one_read_chains_whole(tmp_path):
    log = CustodyLog(tmp_path / "custody.jsonl")
    log.append("capture", "tester", "short")
    big = log.append("export", "tester", {"lead_ids": list(range(40_000))})
    assert len(big.line()) > 3 * 65536  # several backward reads to find its start
    after = log.append("view", "tester", "after the big one")
    assert after.prev == big.hash and after.seq == 3
    assert log.verify(expected_head=after.hash) == []


def test_file_entry_hashes_a_file_relative_to_the_data_folder(tmp_path):
    page = tmp_path / "evidence" / "7" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_bytes("<h1>证据</h1>".encode())
    assert file_entry(page, tmp_path) == {
        "path": "evidence/7/page.html",
        "sha256": hashlib.sha256(page.read_bytes()).hexdigest(),
    }


APPENDER = """
import sys, time
from pathlib import Path
from store.custody import CustodyLog
path, who, go = sys.argv[1:]
Path(go + "." + who).touch()
while not Path(go).exists():
    time.sleep(0.001)
log = CustodyLog(path)
for i in range(200):
    log.append("view", who, {"i": i})
"""


def test_two_processes_appending_at_once_keep_one_chain(tmp_path):
    path, go = tmp_path / "evidence" / "custody.jsonl", tmp_path / "go"
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(path), who, str(go)], cwd=ROOT, env=environ
        )
        for who in ("a", "b")
    ]
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}.{who}").exists() for who in ("a", "b")):
        assert time.monotonic() < deadline and all(c.poll() is None for c in children)
        time.sleep(0.01)
    go.touch()  # both are ready: start them together
    assert [c.wait(timeout=120) for c in children] == [0, 0]

    log = CustodyLog(path)
    events = log.events()
    assert log.verify() == []
    assert [e.seq for e in events] == list(range(1, 401))
    for who in ("a", "b"):
        assert [e.what["i"] for e in events if e.by == who] == list(range(200))
    assert len({e.hash for e in events}) == 400
    assert all(json.loads(line)["seq"] for line in lines(log))  # every line whole
