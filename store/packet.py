"""Checking a referral packet with nothing but the packet (``wangjian evidence verify
--packet DIR``): the receiving region has no access to the sender's database.

What is checked: the packet manifest against its recorded hash (``packet-manifest.json.sha256``;
the sender's custody log and the command's output hold it too, so that a manifest rewritten
together with its hash file is caught by comparing with them), every file it lists re-hashed,
files added to the packet, each capture's own manifest against the hash the sender's database
held and its entries against the files, and the web archive by ``wacz validate``.

``wacz_create`` and ``wacz_problems`` wrap the ``wacz`` package, which prints as it works.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST = "packet-manifest.json"
SIDECAR = "packet-manifest.json.sha256"
MANIFEST_FORMAT = "wangjian-referral-packet/1"


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quietly(args: list[str]) -> tuple[int, list[str]]:
    from wacz.main import main

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = main(args)
    return int(code or 0), [line for line in printed.getvalue().splitlines() if line.strip()]


def wacz_create(
    warcs: Sequence[Path],
    out: Path,
    pages: Sequence[tuple[str, datetime, str]],
    title: str,
) -> None:
    """One WACZ of ``warcs`` (names unique), listing ``pages`` (url, capture time, title)."""
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "pages.jsonl"
        lines = [{"format": "json-pages-1.0", "id": "pages", "title": title}]
        lines += [
            {
                "url": url,
                "ts": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "title": page_title,
            }
            for url, at, page_title in pages
        ]
        listing.write_text(
            "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n",
            encoding="utf-8",
        )
        code, printed = _quietly(
            ["create", "-o", str(out), "-p", str(listing), "--title", title, *map(str, warcs)]
        )
    if code != 0:
        raise RuntimeError(f"wacz create failed: {printed[-1] if printed else code}")


def wacz_problems(path: Path) -> list[str]:
    """What ``wacz validate`` says is wrong with the archive (empty: valid)."""
    try:
        code, printed = _quietly(["validate", "-f", str(path)])
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        return [f"{path.name}: not a readable WACZ ({exc})"]
    if code == 0:
        return []
    return [f"{path.name}: wacz validate: {line}" for line in printed] or [
        f"{path.name}: wacz validate failed"
    ]


def verify_packet(folder: Path | str) -> tuple[list[str], dict[str, Any]]:
    """The packet's problems (empty: intact) and what was checked (leads, files, captures)."""
    folder = Path(folder)
    checked: dict[str, Any] = {"leads": 0, "files": 0, "captures": 0, "manifest_sha256": None}
    if not folder.is_dir():
        return [f"{folder}: not a folder"], checked
    manifest_path = folder / MANIFEST
    try:
        raw = manifest_path.read_bytes()
    except FileNotFoundError:
        return [f"{MANIFEST} 缺失：这不是移送材料文件夹，或清单已被删除"], checked
    problems: list[str] = []
    digest = hashlib.sha256(raw).hexdigest()
    checked["manifest_sha256"] = digest
    try:
        recorded = (folder / SIDECAR).read_text(encoding="ascii").split()[0]
    except (FileNotFoundError, IndexError, UnicodeDecodeError):
        recorded = None
        problems.append(f"{SIDECAR} 缺失或无法读取：无法核对清单本身")
    if recorded is not None and recorded != digest:
        problems.append(f"{MANIFEST} 已被改动：SHA-256 {digest} ≠ 记录 {recorded}")
    try:
        manifest = json.loads(raw)
        files = {f["path"]: f for f in manifest["files"]}
    except (ValueError, KeyError, TypeError):
        return [*problems, f"{MANIFEST} 无法读取"], checked
    if manifest.get("format") != MANIFEST_FORMAT:
        problems.append(f"{MANIFEST}：未知格式 {manifest.get('format')!r}")
    checked["leads"] = len(manifest.get("leads", []))
    checked["files"] = len(files) + 2  # and the manifest and its hash file, checked above
    for path, entry in sorted(files.items()):
        target = folder / path
        if not _inside(folder, target):
            problems.append(f"{path}: 清单中的路径不在移送材料文件夹内")
            continue
        if not target.is_file():
            problems.append(f"{path}: 文件缺失")
            continue
        found = hash_file(target)
        if found != entry.get("sha256"):
            problems.append(f"{path}: 文件已被改动：SHA-256 {found} ≠ 清单 {entry.get('sha256')}")
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name not in (MANIFEST, SIDECAR)
    }
    problems += [f"{path}: 未列入清单的文件" for path in sorted(present - set(files))]
    captures = manifest.get("captures", {})
    checked["captures"] = len(captures)
    for capture_id, capture in sorted(captures.items()):
        problems += _capture_problems(folder, capture_id, capture, files)
    if "archive.wacz" in files and (folder / "archive.wacz").is_file():
        problems += wacz_problems(folder / "archive.wacz")
    return list(dict.fromkeys(problems)), checked


def _inside(folder: Path, target: Path) -> bool:
    try:
        target.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _capture_problems(
    folder: Path, capture_id: str, capture: dict[str, Any], files: dict[str, Any]
) -> list[str]:
    """A capture's manifest against the hash the sender's database held, and its entries
    against the files the packet carries for it (a file changed together with its entry in
    the capture manifest changes the manifest's hash)."""
    roles = capture.get("files", {})
    manifest_path = roles.get("manifest")
    where = f"取证 {capture_id}"
    if manifest_path is None or manifest_path not in files:
        return [f"{where}: 取证清单未列入移送材料清单"]
    target = folder / manifest_path
    if not target.is_file():
        return []  # already said: missing
    problems = []
    if hash_file(target) != capture.get("manifest_sha256"):
        problems.append(f"{where}: {manifest_path}: 取证清单与发送方数据库记录的哈希不符")
    try:
        entries = json.loads(target.read_bytes()).get("files", [])
    except (ValueError, AttributeError):
        return [*problems, f"{where}: {manifest_path}: 取证清单无法读取"]
    for entry in entries:
        role = entry.get("role")
        path = roles.get(role)
        if path is None or path not in files:
            problems.append(f"{where}: 取证清单中的文件（{role}）不在移送材料中")
        elif files[path].get("sha256") != entry.get("sha256"):
            problems.append(f"{where}: {path}: 与取证清单记录的 SHA-256 不符")
    return problems
