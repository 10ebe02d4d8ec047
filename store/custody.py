"""The custody log of evidence: who captured, viewed, exported or referred what, and when.

One JSON Lines file, appended to and never rewritten. Each line is one event, serialised
canonically (sorted keys, UTF-8, no spaces), and names the SHA-256 of the previous line's
exact bytes in ``prev`` (64 zeros for the first line): changing, deleting, inserting or
reordering a line breaks the chain at the line after it. Deleting the last lines leaves a
shorter chain that is still whole, so a caller that must see that keeps the hash of the line
it appended (``Event.hash``, or ``head()``) somewhere else, the database, and passes it to
``verify(expected_head=...)``.

Appends from several processes are serialised by an exclusive ``flock`` on the log file, held
across reading the last line, the one ``write()`` of the new line (``O_APPEND``) and its
``fsync``: two writers can neither interleave their bytes nor both chain onto the same line.
Readers take a shared lock, so they never see half a line being written.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
import re
import socket
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rules import clock
from store.errors import StoreError

ACTIONS = ("capture", "view", "export", "status", "referral", "verify")
#: ``prev`` of the first line, and the head of an empty log.
ZERO = "0" * 64
FIELDS = {"seq", "at", "by", "action", "what", "files", "prev"}
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 16


class CustodyError(StoreError):
    """The log cannot be appended to or read as it is (truncated, a line that does not parse)."""


def default_actor() -> str:
    """``user@host`` of this process: who an event is by when the caller names no one."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in the environment nor the password database
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def canonical(data: Mapping[str, Any]) -> bytes:
    """The one serialisation of an event (no newline) whose SHA-256 is its line hash."""
    text = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: str | Path, root: str | Path) -> dict[str, str]:
    """``{"path", "sha256"}`` of a file under ``root`` (the data folder), as events list it."""
    path, root = Path(path), Path(root)
    return {"path": path.relative_to(root).as_posix(), "sha256": sha256_file(path)}


@dataclass(frozen=True)
class Event:
    seq: int
    at: str
    by: str
    action: str
    what: str | dict[str, Any]
    files: list[dict[str, str]]
    prev: str
    #: SHA-256 of the line as stored: what the next line's ``prev`` names.
    hash: str = field(default="", compare=False)

    def data(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in sorted(FIELDS)}

    def line(self) -> bytes:
        return canonical(self.data())

    @classmethod
    def parse(cls, line: bytes) -> Event:
        """The event of one stored line (without its newline); ValueError says what is wrong."""
        try:
            data = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if set(data) != FIELDS:
            missing, extra = sorted(FIELDS - set(data)), sorted(set(data) - FIELDS)
            raise ValueError(f"fields missing {missing} or unexpected {extra}")
        _check(data)
        return cls(**data, hash=line_hash(line))


def _check(data: dict[str, Any]) -> None:
    seq = data["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError(f"seq {seq!r} is not a positive integer")
    try:
        at = datetime.fromisoformat(data["at"])
    except (TypeError, ValueError):
        raise ValueError(f"at {data['at']!r} is not an ISO-8601 time") from None
    if at.utcoffset() is None or at.utcoffset().total_seconds() != 0:
        raise ValueError(f"at {data['at']!r} is not in UTC")
    if not isinstance(data["by"], str) or not data["by"]:
        raise ValueError("by is not a non-empty string")
    if data["action"] not in ACTIONS:
        raise ValueError(f"action {data['action']!r} is not one of {', '.join(ACTIONS)}")
    if not isinstance(data["what"], str | dict):
        raise ValueError("what is neither text nor an object")
    files = data["files"]
    if not isinstance(files, list) or not all(_is_file(f) for f in files):
        raise ValueError('files is not a list of {"path", "sha256"}')
    if not isinstance(data["prev"], str) or not _HEX64.fullmatch(data["prev"]):
        raise ValueError("prev is not a SHA-256 in hex")


def _is_file(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and set(entry) == {"path", "sha256"}
        and isinstance(entry["path"], str)
        and bool(entry["path"])
        and not entry["path"].startswith("/")
        and isinstance(entry["sha256"], str)
        and bool(_HEX64.fullmatch(entry["sha256"]))
    )


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 for the log as a whole
    message: str

    def __str__(self) -> str:
        return self.message


class CustodyLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def append(
        self,
        action: str,
        by: str | None = None,
        what: str | Mapping[str, Any] = "",
        files: Iterable[Mapping[str, str]] = (),
    ) -> Event:
        """Add one event at the end of the chain, durably; the event carries its line hash."""
        if isinstance(what, Mapping):
            what = dict(what)
        body = {
            "by": by or default_actor(),
            "action": action,
            "what": what,
            "files": [{"path": str(f["path"]), "sha256": str(f["sha256"])} for f in files],
        }
        # Everything the caller gave must survive a round trip before anything is written.
        body = json.loads(canonical(body).decode("utf-8"))
        _check({**body, "seq": 1, "at": _now(), "prev": ZERO})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _last_line(fd, self.path)
            prev, seq = (ZERO, 0) if last is None else (line_hash(last), _seq_of(last, self.path))
            line = canonical({**body, "seq": seq + 1, "at": _now(), "prev": prev})
            _write_all(fd, line + b"\n")
            os.fsync(fd)
            if last is None:  # a new file: make its directory entry durable too
                _fsync_dir(self.path.parent)
        finally:
            os.close(fd)  # releases the lock
        return Event.parse(line)

    def events(self) -> list[Event]:
        """Every event in order; CustodyError when a line does not parse (run ``verify``)."""
        found = []
        for number, line, complete in self._lines():
            if not complete:
                raise CustodyError(f"{self.path}: line {number} is truncated (no newline)")
            try:
                found.append(Event.parse(line))
            except ValueError as exc:
                raise CustodyError(f"{self.path}: line {number} does not parse: {exc}") from None
        return found

    def head(self) -> str:
        """Hash of the last line (64 zeros for an empty log): what to keep to detect deletions.

        CustodyError when the last line has no newline (truncated)."""
        if not self.path.exists():
            return ZERO
        with self._locked(fcntl.LOCK_SH) as stream:
            last = _last_line(stream.fileno(), self.path)
        return ZERO if last is None else line_hash(last)

    def verify(self, expected_head: str | None = None) -> list[Problem]:
        """What is wrong with the chain, line by line; empty when the log is intact."""
        problems: list[Problem] = []
        prev_seq: int | None
        prev_hash, prev_seq, count = ZERO, 0, 0  # prev_seq None: the line before did not parse
        seen: dict[str, int] = {ZERO: 0}
        for number, line, complete in self._lines():
            count = number
            if not complete:
                problems.append(
                    Problem(
                        number,
                        f"line {number} has no newline at the end: the file is "
                        "truncated or a write did not finish",
                    )
                )
            try:
                event = Event.parse(line)
            except ValueError as exc:
                problems.append(Problem(number, f"line {number} does not parse: {exc}"))
                event = None
            if event is not None:
                problems.extend(_check_line(number, line, event, prev_hash, prev_seq))
            prev_hash = line_hash(line)
            prev_seq = event.seq if event is not None else None
            seen.setdefault(prev_hash, number)
        if expected_head is not None and expected_head != prev_hash:
            problems.append(_head_problem(expected_head, prev_hash, count, seen))
        return problems

    def _lines(self) -> Iterator[tuple[int, bytes, bool]]:
        """(line number, bytes without the newline, whether it ended with one), under a shared
        lock so that no half-written line is read."""
        if not self.path.exists():
            return
        with self._locked(fcntl.LOCK_SH) as stream:
            for number, raw in enumerate(stream, start=1):
                complete = raw.endswith(b"\n")
                yield number, raw[:-1] if complete else raw, complete

    @contextmanager
    def _locked(self, how: int) -> Iterator[Any]:
        with open(self.path, "rb") as stream:
            fcntl.flock(stream.fileno(), how)
            yield stream


def _check_line(
    number: int, line: bytes, event: Event, prev_hash: str, prev_seq: int | None
) -> list[Problem]:
    problems = []
    if event.prev != prev_hash:
        if number == 1:
            why = "the first line's prev is not 64 zeros (lines before it were deleted?)"
        else:
            why = (
                f"prev does not match the hash of line {number - 1} (line {number - 1} was "
                f"changed, or lines were deleted, inserted or moved between them)"
            )
        problems.append(Problem(number, f"line {number}: {why}"))
    if prev_seq is not None and event.seq != prev_seq + 1:
        after = f"line {number - 1}'s seq {prev_seq}" if number > 1 else "the start"
        problems.append(
            Problem(
                number,
                f"line {number}: seq {event.seq} where {prev_seq + 1} was expected after "
                f"{after} (a line deleted, repeated or moved)",
            )
        )
    if event.line() != line:
        problems.append(
            Problem(number, f"line {number} is not in canonical form: it was edited by hand")
        )
    return problems


def _head_problem(expected: str, actual: str, count: int, seen: dict[str, int]) -> Problem:
    if expected in seen:
        where = seen[expected]
        return Problem(
            count,
            f"line {count} is the last line but the stored head is line {where}'s hash: "
            f"lines {where + 1}-{count} came after it (appended since, or added)",
        )
    if count == 0:
        return Problem(0, f"the log is empty but the stored head is {expected}: it was deleted")
    return Problem(
        count,
        f"line {count} (the last) has hash {actual}, not the stored head {expected}: "
        "lines after it were deleted, or it was changed",
    )


def _now() -> str:
    return clock.now().isoformat(timespec="microseconds")


def _last_line(fd: int, path: Path) -> bytes | None:
    """The last line of the file without its newline, None when empty; CustodyError when the
    file does not end with a newline (appending would glue the new line onto a broken one)."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    if os.pread(fd, 1, size - 1) != b"\n":
        raise CustodyError(f"{path}: the last line has no newline (truncated); run verify")
    tail, start = b"", size - 1  # tail: the bytes from start up to the final newline
    while start > 0:
        step = min(_CHUNK, start)
        start -= step
        tail = os.pread(fd, step, start) + tail
        cut = tail.rfind(b"\n")
        if cut >= 0:
            return tail[cut + 1 :]
    return tail


def _seq_of(line: bytes, path: Path) -> int:
    try:
        return Event.parse(line).seq
    except ValueError as exc:
        raise CustodyError(f"{path}: the last line does not parse ({exc}); run verify") from None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:  # one write() unless the disk is short of room; the lock keeps it whole
        view = view[os.write(fd, view) :]


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
