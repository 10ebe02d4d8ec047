"""Evidence files: content-addressed objects, the WARC of a page, a manifest per capture,
and checking that nothing was changed since.

Files lie under ``<data_dir>/evidence/objects/<ab>/<sha256>`` (named by their own hash, so the
same bytes are kept once and a changed file no longer matches its name). A capture is the
body as served, a WARC (warcinfo, request, response, for https a metadata record of the server's
certificate, and the screenshots as resource records),
the screenshots, and a JSON manifest listing every file with its hash and size, the capture
time and clock, and the rule hits the page supports; the database keeps every file's hash and
the manifest's own hash (``store.models.Capture``). ``verify`` re-hashes it all.

Nothing here fetches or renders: ``pipelines.evidence`` hands over the exchange
(``rules.items.Served``) and the screenshots.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from rules import clock as rules_clock
from rules.items import Served
from rules.record import Hit
from store import db
from store.base import utcnow
from store.custody import CustodyLog, Event
from store.models import (
    Ad,
    Capture,
    CaptureFile,
    CustodyHead,
    Lead,
    Listing,
    Platform,
    Shop,
    Target,
)

BEIJING = timezone(timedelta(hours=8), "UTC+08:00")
#: The roles of a capture's files, in the manifest's order.
ROLES = ("body", "screenshot", "screenshot_marked", "warc")


def tool_version() -> str:
    try:
        return version("wangjian")
    except PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class StoredFile:
    role: str
    path: str  # relative to the data directory
    sha256: str
    size: int
    media_type: str

    def entry(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
        }


class Objects:
    """The content-addressed file store of one data directory."""

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir)

    def path_of(self, sha256: str) -> str:
        return f"evidence/objects/{sha256[:2]}/{sha256}"

    def put(self, role: str, data: bytes, media_type: str) -> StoredFile:
        """Keep ``data`` (written once, atomically, read-only); its StoredFile."""
        sha = hashlib.sha256(data).hexdigest()
        relative = self.path_of(sha)
        target = self.data_dir / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(handle.name, 0o444)
            os.replace(handle.name, target)
        return StoredFile(role, relative, sha, len(data), media_type)


def clock() -> dict[str, Any]:
    """Where the capture time comes from: this host's system clock, and whether it is
    synchronised (systemd's timedatectl, where there is one)."""
    synced: bool | None = None
    try:
        done = subprocess.run(
            ["timedatectl", "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=2,
        )
        if done.returncode == 0 and done.stdout.strip() in ("yes", "no"):
            synced = done.stdout.strip() == "yes"
    except (OSError, subprocess.SubprocessError):
        pass
    found = {"source": "system clock", "host": socket.gethostname(), "ntp_synchronized": synced}
    if rules_clock.simulated():  # a rehearsal: the times are not the real ones
        found["source"] = f"simulated clock ({rules_clock.ENV}={rules_clock.simulated()})"
    return found


def warc(served: Served, at: datetime, shots: list[tuple[str, bytes]]) -> bytes:
    """A gzipped WARC of the exchange: warcinfo, request, response, one resource a shot."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    info = writer.create_warcinfo_record(
        "wangjian-capture.warc.gz",
        {
            "software": f"wangjian {tool_version()}",
            "format": "WARC File Format 1.1",
            "description": "网监取证：线索页面原始响应与截图",
            "hostname": socket.gethostname(),
        },
    )
    writer.write_record(info)
    target = served.url
    path = _request_target(served.url)
    request_headers = StatusAndHeaders(
        f"{served.method} {path} {served.protocol}", served.request_headers, is_http_request=True
    )
    common = {"WARC-Date": stamp}
    if served.ip:
        common["WARC-IP-Address"] = served.ip
    request = writer.create_warc_record(
        target, "request", http_headers=request_headers, warc_headers_dict=dict(common)
    )
    _add_protocols(request, served)
    response_headers = StatusAndHeaders(
        f"{served.status} {_reason(served.status)}",
        _as_served(served),
        protocol=served.protocol,
    )
    response = writer.create_warc_record(
        target,
        "response",
        payload=io.BytesIO(served.body),
        length=len(served.body),
        http_headers=response_headers,
        warc_headers_dict=dict(common),
    )
    _add_protocols(response, served)
    request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers["WARC-Record-ID"])
    writer.write_record(request)
    writer.write_record(response)
    if served.tls:
        writer.write_record(_certificate_record(writer, served, common, response))
    for role, png in shots:
        resource = writer.create_warc_record(
            f"urn:wangjian:{role}:{target}",
            "resource",
            payload=io.BytesIO(png),
            length=len(png),
            warc_content_type="image/png",
            warc_headers_dict={**common, "WARC-Refers-To-Target-URI": target},
        )
        writer.write_record(resource)
    return out.getvalue()


def _add_protocols(record: Any, served: Served) -> None:
    """The proposed WARC-Protocol (repeated: http/1.1, tls/1.3) and WARC-Cipher-Suite (an
    IANA name only, which OpenSSL gives for TLS 1.3 suites) fields of iipc/warc-specifications
    issues 42 and 86, as browsertrix-crawler and wget-at write them."""
    record.rec_headers.add_header("WARC-Protocol", served.protocol.lower())
    tls = served.tls or {}
    version = tls.get("protocol", "")
    if version.startswith("TLSv"):
        record.rec_headers.add_header("WARC-Protocol", f"tls/{version[4:]}")
    if tls.get("cipher", "").startswith("TLS_"):
        record.rec_headers.add_header("WARC-Cipher-Suite", tls["cipher"])


def _certificate_record(writer: WARCWriter, served: Served, common: dict, response: Any) -> Any:
    """A metadata record about the response: what its server's certificate said and whether
    it verified (``application/warc-fields``, one ``tls-<field>`` line each)."""
    lines = "".join(
        f"tls-{key.replace('_', '-')}: {' '.join(str(value).split())}\r\n"
        for key, value in sorted((served.tls or {}).items())
    ).encode()
    headers = {
        **common,
        "WARC-Refers-To": response.rec_headers["WARC-Record-ID"],
        "WARC-Concurrent-To": response.rec_headers["WARC-Record-ID"],
    }
    return writer.create_warc_record(
        served.url,
        "metadata",
        payload=io.BytesIO(lines),
        length=len(lines),
        warc_content_type="application/warc-fields",
        warc_headers_dict=headers,
    )


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _as_served(served: Served) -> list[tuple[str, str]]:
    """The response headers, lengths made true of the body kept: Scrapy undid any
    Content-Encoding, so the WARC holds the identity body and says so."""
    kept = [
        (k, v)
        for k, v in served.response_headers
        if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
    ]
    return [*kept, ("Content-Length", str(len(served.body)))]


@dataclass
class CaptureRecord:
    """A capture written to the object store, to be filed with its target."""

    url: str
    page_sha256: str
    captured_at: datetime
    files: list[StoredFile]
    manifest: StoredFile
    sweep_id: int | None = None
    manifest_data: dict[str, Any] = field(default_factory=dict)


def capture(
    objects: Objects,
    served: Served,
    hits: list[Hit],
    categories: list[str],
    screenshot: bytes | None,
    marked: bytes | None,
    at: datetime,
    notes: list[str] | None = None,
) -> CaptureRecord:
    """Write the capture of one page: its files, then the manifest naming them."""
    shots = [(r, png) for r, png in (("screenshot", screenshot), ("screenshot_marked", marked))]
    files = [
        objects.put(
            "body", served.body, served.header("Content-Type") or "application/octet-stream"
        )
    ]
    files += [objects.put(role, png, "image/png") for role, png in shots if png is not None]
    files.append(
        objects.put(
            "warc",
            warc(served, at, [(r, png) for r, png in shots if png is not None]),
            "application/warc",
        )
    )
    manifest = {
        "format": "wangjian-evidence-manifest/1",
        "tool": f"wangjian {tool_version()}",
        "url": served.url,
        "request": {
            "line": f"{served.method} {_request_target(served.url)} {served.protocol}",
            "headers": served.request_headers,
        },
        "response": {
            "status": served.status,
            "headers": served.response_headers,
            "ip": served.ip,
            "tls": served.tls,
        },
        "captured_at_utc": at.astimezone(UTC).isoformat(),
        "captured_at_beijing": at.astimezone(BEIJING).isoformat(),
        "clock": clock(),
        "page_sha256": served.sha256,
        "categories": categories,
        "hits": [
            {
                k: h.model_dump()[k]
                for k in ("pack_id", "rule_id", "field", "start", "end", "matched", "legal_basis")
            }
            for h in hits
        ],
        "files": [f.entry() for f in files],
        "notes": list(notes or []),
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    stored = objects.put("manifest", data, "application/json")
    return CaptureRecord(served.url, served.sha256, at, files, stored, manifest_data=manifest)


# -- the database side ---------------------------------------------------------------------


def captured_page(s: Session, platform: str, kind: str, external_id: str, sha256: str) -> bool:
    """Whether this page (same body) of the platform's listing, shop or ad (by its id there)
    was captured before: an unchanged lead is not captured again."""
    model = {"listing": Listing, "page": Listing, "shop": Shop, "ad": Ad}[kind]
    column = {Listing: Capture.listing_id, Shop: Capture.shop_id, Ad: Capture.ad_id}[model]
    query = (
        select(Capture.id)
        .join(model, column == model.id)
        .join(Platform, model.platform_id == Platform.id)
        .where(
            Platform.code == platform,
            model.external_id == external_id,
            Capture.page_sha256 == sha256,
        )
    )
    return s.scalars(query.limit(1)).first() is not None


def file_capture(
    s: Session, target: Target, record: CaptureRecord, sweep_id: int | None
) -> Capture:
    """The capture's rows, in the caller's transaction."""
    kind = target.kind if target.kind != "page" else "listing"
    row = Capture(
        url=record.url,
        page_sha256=record.page_sha256,
        captured_at=record.captured_at,
        manifest_sha256=record.manifest.sha256,
        manifest_path=record.manifest.path,
        sweep_id=sweep_id,
        **{f"{kind}_id": target.id},
    )
    for f in [*record.files, record.manifest]:
        row.files.append(
            CaptureFile(
                role=f.role, path=f.path, sha256=f.sha256, size=f.size, media_type=f.media_type
            )
        )
    s.add(row)
    return row


def captures_of_lead(s: Session, lead: Lead) -> list[Capture]:
    column = {"listing": Capture.listing_id, "shop": Capture.shop_id, "ad": Capture.ad_id}[
        lead.target_kind
    ]
    target_id = lead.listing_id or lead.shop_id or lead.ad_id
    query = (
        select(Capture)
        .where(column == target_id)
        .options(selectinload(Capture.files))
        .order_by(Capture.id)
    )
    return list(s.scalars(query))


# -- custody -------------------------------------------------------------------------------


def custody_log(data_dir: Path | str) -> CustodyLog:
    return CustodyLog(Path(data_dir) / "evidence" / "custody.jsonl")


def record_head(s: Session, event: Event) -> None:
    """Move the stored head to ``event`` unless a later line is already recorded (two
    processes may record their appends out of order)."""
    head = s.get(CustodyHead, 1)
    if head is None:
        s.add(CustodyHead(id=1, seq=event.seq, hash=event.hash, at=utcnow()))
    elif event.seq > head.seq:
        head.seq, head.hash, head.at = event.seq, event.hash, utcnow()


def log_event(
    engine, data_dir: Path | str, action: str, by: str | None, what: Any, files=()
) -> Event:
    """Append one custody event and record the log's new head in the database."""
    event = custody_log(data_dir).append(action, by, what, files)
    with db.session_scope(engine) as s:
        record_head(s, event)
    return event


def verify_custody(s: Session, data_dir: Path | str) -> list[str]:
    """The custody log's problems, its end checked against the head the database holds."""
    log = custody_log(data_dir)
    head = s.get(CustodyHead, 1)
    if head is None and not log.path.exists():
        return []
    if head is None:
        return ["保管记录：数据库中没有记录日志末行的哈希"]
    if not log.path.exists():
        return [f"保管记录：{log.path} 缺失（数据库记录到第 {head.seq} 行）"]
    return [f"保管记录：{p.message}" for p in log.verify(expected_head=head.hash)]


# -- checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    capture_id: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"取证 {self.capture_id}: {self.path}: {self.message}"


def _hash(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except FileNotFoundError:
        return None


def verify_capture(data_dir: Path, capture_row: Capture) -> list[Problem]:
    """Every file of the capture re-hashed against the database; the manifest against its
    stored hash, and its entries against the database's (a file changed together with its
    manifest entry is caught by the manifest's hash)."""
    problems = []
    by_role = {f.role: f for f in capture_row.files}
    for f in capture_row.files:
        found = _hash(data_dir / f.path)
        if found is None:
            problems.append(Problem(capture_row.id, f.path, f"文件缺失（{f.role}）"))
        elif found != f.sha256:
            problems.append(
                Problem(
                    capture_row.id,
                    f.path,
                    f"文件已被改动（{f.role}）：SHA-256 {found} ≠ 记录 {f.sha256}",
                )
            )
    manifest_file = data_dir / capture_row.manifest_path
    digest = _hash(manifest_file)
    if digest is not None and digest != capture_row.manifest_sha256:
        problems.append(
            Problem(capture_row.id, capture_row.manifest_path, "清单与数据库记录的哈希不符")
        )
    if digest is not None:
        try:
            manifest = json.loads(manifest_file.read_bytes())
            for entry in manifest.get("files", []):
                known = by_role.get(entry.get("role"))
                if known is None or (entry.get("sha256"), entry.get("path")) != (
                    known.sha256,
                    known.path,
                ):
                    problems.append(
                        Problem(capture_row.id, str(entry.get("path")), "清单条目与数据库记录不符")
                    )
        except (ValueError, AttributeError):
            problems.append(Problem(capture_row.id, capture_row.manifest_path, "清单无法读取"))
    # A problem seen twice (a file and its manifest) is said once.
    return list(dict.fromkeys(problems))
