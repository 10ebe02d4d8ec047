"""Referral packets (线索移送材料): everything the region responsible for a set of leads needs,
in one folder that works offline and can be checked without our database.

```
<out>/
  index.html                      the dossier's index (Chinese), one page per lead under leads/
  leads/lead-<id>.html
  leads/lead-<id>-价格走势-<rule>.png   the price history of each price hit, shown on its page
  records/lead-<id>-提取笔录.html   电子数据提取笔录, and its PDF printed by Chromium
  evidence/capture-<id>/          every capture's files as kept, named by role, and manifest.json
  archive.wacz                    one web archive of all captured pages (``wacz validate``)
  leads.xlsx                      the lead sheet
  packet-manifest.json            every file above with its SHA-256 and size
  packet-manifest.json.sha256     the manifest's own hash (also in the sender's custody log)
```

The packet is built in a hidden folder beside ``out`` and renamed when whole, so a failed
build leaves nothing half-written. Every evidence file is re-hashed as it is copied: a file
that no longer matches the database stops the build (a packet must not carry altered
evidence). ``store.packet.verify_packet`` checks a packet with nothing but the packet.

Nothing here starts a browser: the caller passes ``printer`` (``crawler.printing``), which
turns the records' HTML into PDF.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from rules import clock
from rules.labels import category_label, field_label, kind_label, status_label
from store import db, places
from store.custody import default_actor
from store.dossier import LeadDossier, lead_dossier, local_text
from store.errors import StoreError
from store.evidence import BEIJING, custody_log, log_event, tool_version
from store.export import export_leads
from store.leads import LeadRow
from store.models import Capture
from store.packet import (
    MANIFEST,
    MANIFEST_FORMAT,
    SIDECAR,
    hash_file,
    wacz_create,
    wacz_problems,
)
from store.price_chart import chart_png, price_lines

#: A capture's file names in the packet, by role.
FILE_NAMES = {
    "body": "body{ext}",
    "screenshot": "screenshot.png",
    "screenshot_marked": "screenshot-marked.png",
    "warc": "capture-{id}.warc.gz",
    "manifest": "manifest.json",
}
ROLE_LABELS = {
    "body": "网页原始响应正文",
    "screenshot": "整页截图（原样）",
    "screenshot_marked": "整页截图（标注命中内容）",
    "warc": "WARC 网页存档",
    "manifest": "取证清单",
}
#: What a rule id may not carry into a file name.
UNSAFE = re.compile(r"[^\w.-]+")
BODY_EXTENSIONS = {"text/html": ".html", "application/json": ".json", "text/plain": ".txt"}

Printer = Callable[[Sequence[tuple[Path, Path]]], None]


class ReferralError(StoreError):
    """The packet cannot be built: no lead selected, the folder exists, evidence altered."""


@dataclass
class EvidenceView:
    """One capture as the packet shows it: its files in the packet and its manifest."""

    capture: Capture
    folder: str  # relative to the packet
    files: list[dict[str, Any]]  # role, label, path (in the packet), sha256, size, media_type
    manifest: dict[str, Any]
    extracted_by: str

    def path_of(self, role: str) -> str | None:
        return next((f["path"] for f in self.files if f["role"] == role), None)


@dataclass
class ChartView:
    """A price hit's chart as the packet holds it, next to the lead's page."""

    rule_id: str
    note: str
    path: str  # relative to the packet
    sha256: str
    lines: list[str]  # store.price_chart.price_lines

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class LeadPage:
    dossier: LeadDossier
    row: LeadRow
    evidence: list[EvidenceView] = field(default_factory=list)
    charts: list[ChartView] = field(default_factory=list)

    @property
    def page(self) -> str:
        return f"leads/lead-{self.row.id}.html"

    @property
    def record(self) -> str:
        return f"records/lead-{self.row.id}-提取笔录.html"


@dataclass
class PacketReport:
    path: Path
    leads: int
    captures: int
    files: int
    bytes: int
    manifest_sha256: str
    without_evidence: list[int]
    pdfs: int


def build_packet(
    engine,
    data_dir: Path | str,
    rows: Sequence[LeadRow],
    out: Path | str,
    *,
    region: str,
    labels: Mapping[str, str] | None = None,
    actor: str | None = None,
    printer: Printer | None = None,
    criteria: str = "",
) -> PacketReport:
    """Write the referral packet of ``rows`` (leads of ``region``) to the new folder ``out``."""
    out = Path(out)
    data_dir = Path(data_dir)
    labels = dict(labels or {})
    actor = actor or default_actor()
    if not rows:
        raise ReferralError("no lead matches: nothing to refer")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReferralError(f"{out} already exists and is not empty: choose a new --out folder")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise ReferralError(f"cannot write {out}: folder {parent} does not exist")
    staging = parent / f".{out.name}.{secrets.token_hex(4)}.partial"
    try:
        staging.mkdir()
    except OSError as exc:
        raise ReferralError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        created = clock.now()
        extractors = _extractors(data_dir)
        pages = _copy_evidence(engine, data_dir, rows, staging, extractors)
        export_leads(rows, "xlsx", staging / "leads.xlsx", labels)
        warcs = [
            staging / e.path_of("warc") for p in pages for e in p.evidence if e.path_of("warc")
        ]
        if warcs:
            wacz_create(
                warcs,
                staging / "archive.wacz",
                [
                    (e.capture.url, e.capture.captured_at, p.dossier.title)
                    for p in pages
                    for e in p.evidence
                    if e.path_of("warc")
                ],
                title=f"线索移送材料 {region}",
            )
            problems = wacz_problems(staging / "archive.wacz")
            if problems:
                raise ReferralError(f"the web archive did not validate: {problems[0]}")
        context = _context(pages, region, labels, actor, created, criteria, bool(warcs))
        _render(staging, pages, context)
        pdfs = 0
        if printer is not None:
            jobs = [(staging / p.record, (staging / p.record).with_suffix(".pdf")) for p in pages]
            printer(jobs)
            pdfs = sum(1 for _, pdf in jobs if pdf.exists())
        manifest_sha, files, size = _write_manifest(
            staging, pages, region, actor, created, criteria
        )
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        log_event(
            engine,
            data_dir,
            "referral",
            actor,
            {
                "packet": str(out.resolve()),
                "region": region,
                "leads": [r.id for r in rows],
                "captures": sorted(e.capture.id for p in pages for e in p.evidence),
                "manifest": manifest_sha,
            },
        )
    except (OSError, StoreError) as exc:
        raise ReferralError(
            f"the packet is written to {out}, but the custody log was not: {exc}"
        ) from None
    return PacketReport(
        out,
        len(rows),
        sum(len(p.evidence) for p in pages),
        files,
        size,
        manifest_sha,
        [p.row.id for p in pages if not p.evidence],
        pdfs,
    )


def _extractors(data_dir: Path) -> dict[str, str]:
    """Who captured each capture (by its manifest's hash), as the custody log says."""
    log = custody_log(data_dir)
    if not log.path.exists():
        return {}
    found = {}
    for event in log.events():
        if event.action == "capture" and isinstance(event.what, dict):
            found[str(event.what.get("manifest"))] = event.by
    return found


def _copy_evidence(
    engine, data_dir: Path, rows: Sequence[LeadRow], staging: Path, extractors: dict[str, str]
) -> list[LeadPage]:
    pages = []
    copied: dict[int, EvidenceView] = {}  # a capture shared by two leads is copied once
    with db.session_scope(engine, read_only=True) as s:
        for row in rows:
            dossier = lead_dossier(s, row.id)
            if dossier is None:
                raise ReferralError(f"lead {row.id} vanished while the packet was built")
            page = LeadPage(dossier, row)
            for capture in dossier.evidence:
                if capture.id not in copied:
                    copied[capture.id] = _copy_capture(data_dir, capture, staging, extractors)
                page.evidence.append(copied[capture.id])
            pages.append(page)
        s.expunge_all()
    return pages


def _copy_capture(
    data_dir: Path, capture: Capture, staging: Path, extractors: dict[str, str]
) -> EvidenceView:
    folder = f"evidence/capture-{capture.id}"
    (staging / folder).mkdir(parents=True)
    files = []
    manifest: dict[str, Any] = {}
    for f in capture.files:
        ext = BODY_EXTENSIONS.get(f.media_type.split(";")[0].strip(), ".bin")
        name = FILE_NAMES.get(f.role, f"{f.role}.bin").format(ext=ext, id=capture.id)
        target = staging / folder / name
        source = data_dir / f.path
        try:
            digest = _copy_hashing(source, target)
        except FileNotFoundError:
            raise ReferralError(
                f"evidence file missing: {source} (capture {capture.id}, {f.role}); "
                "run wangjian evidence verify"
            ) from None
        if digest != f.sha256:
            raise ReferralError(
                f"evidence file altered: {source} (capture {capture.id}, {f.role}) no longer "
                "matches its recorded SHA-256; run wangjian evidence verify"
            )
        if f.role == "manifest":
            manifest = json.loads(target.read_bytes())
        files.append(
            {
                "role": f.role,
                "label": ROLE_LABELS.get(f.role, f.role),
                "path": f"{folder}/{name}",
                "name": name,
                "sha256": f.sha256,
                "size": f.size,
                "media_type": f.media_type,
                "object": f.path,
            }
        )
    by = extractors.get(capture.manifest_sha256, "（保管记录中未找到）")
    return EvidenceView(capture, folder, files, manifest, by)


def _copy_hashing(source: Path, target: Path) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as reading, target.open("xb") as writing:
        for chunk in iter(lambda: reading.read(1 << 20), b""):
            digest.update(chunk)
            writing.write(chunk)
    return digest.hexdigest()


# -- the HTML ------------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("store", "templates/referral"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        local=local_text,
        utc=lambda v: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        beijing=lambda v: v.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S 北京时间"),
        size=lambda n: f"{n:,} 字节",
        status=lambda v: status_label(str(v)),
        kind=kind_label,
        field=field_label,
        region=lambda code: places.region_name(code) or "" if code else "",
    )
    return env


def region_name(prefix: str) -> str:
    """The name of a region filter: "42" -> 湖北省, "4207" -> 湖北省鄂州市."""
    return places.region_name(prefix.ljust(6, "0")) or ""


def _context(
    pages: list[LeadPage],
    region: str,
    labels: dict[str, str],
    actor: str,
    created: datetime,
    criteria: str,
    archive: bool,
) -> dict[str, Any]:
    return {
        "pages": pages,
        "region": region,
        "region_name": region_name(region),
        "actor": actor,
        "created": created,
        "criteria": criteria,
        "tool": f"wangjian {tool_version()}",
        "archive": archive,
        "category": lambda pack_id: category_label(pack_id, labels),
    }


def _render(staging: Path, pages: list[LeadPage], context: dict[str, Any]) -> None:
    env = _environment()
    (staging / "leads").mkdir()
    (staging / "records").mkdir()
    for page in pages:
        page.charts = _draw_charts(staging, page)
    _write_text(staging / "index.html", env.get_template("index.html").render(**context, root=""))
    for number, page in enumerate(pages):
        around = {
            "p": page,
            "root": "../",
            "previous": pages[number - 1] if number else None,
            "next": pages[number + 1] if number + 1 < len(pages) else None,
        }
        _write_text(staging / page.page, env.get_template("lead.html").render(**context, **around))
        _write_text(
            staging / page.record, env.get_template("record.html").render(**context, **around)
        )


def _draw_charts(staging: Path, page: LeadPage) -> list[ChartView]:
    """The PNG of each price hit of the lead (a hit whose evidence has a price history)."""
    charts: list[ChartView] = []
    for hit in page.dossier.hits:
        if not hit.evidence or not hit.evidence.get("history"):
            continue
        stem = f"leads/lead-{page.row.id}-价格走势-{UNSAFE.sub('_', hit.rule_id)}"
        path, n = f"{stem}.png", 1
        while any(c.path == path for c in charts):
            n += 1
            path = f"{stem}-{n}.png"
        data = chart_png(hit.evidence, page.dossier.title)
        (staging / path).write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        charts.append(ChartView(hit.rule_id, hit.note, path, digest, price_lines(hit.evidence)))
    return charts


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


# -- the packet manifest -------------------------------------------------------------------


def _write_manifest(
    staging: Path,
    pages: list[LeadPage],
    region: str,
    actor: str,
    created: datetime,
    criteria: str,
) -> tuple[str, int, int]:
    listed = sorted(
        p for p in staging.rglob("*") if p.is_file() and p.name not in (MANIFEST, SIDECAR)
    )
    files = [
        {
            "path": p.relative_to(staging).as_posix(),
            "sha256": hash_file(p),
            "size": p.stat().st_size,
        }
        for p in listed
    ]
    captures = {}
    for page in pages:
        for e in page.evidence:
            captures[str(e.capture.id)] = {
                "url": e.capture.url,
                "captured_at_utc": e.capture.captured_at.astimezone(UTC).isoformat(),
                "page_sha256": e.capture.page_sha256,
                "manifest_sha256": e.capture.manifest_sha256,
                "files": {f["role"]: f["path"] for f in e.files},
            }
    manifest = {
        "format": MANIFEST_FORMAT,
        "tool": f"wangjian {tool_version()}",
        "created_utc": created.isoformat(),
        "created_beijing": created.astimezone(BEIJING).isoformat(),
        "created_by": actor,
        "region": region,
        "region_name": region_name(region),
        "criteria": criteria,
        "leads": [
            {
                "id": page.row.id,
                "category": page.row.category,
                "title": page.row.title,
                "url": page.row.url,
                "region_code": page.dossier.region_code,
                "region_source": page.dossier.region_source,
                "captures": [e.capture.id for e in page.evidence],
                "page": page.page,
                "record": page.record,
                "charts": [c.path for c in page.charts],
            }
            for page in pages
        ],
        "captures": captures,
        "files": files,
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    (staging / MANIFEST).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    (staging / SIDECAR).write_text(f"{digest}  {MANIFEST}\n", encoding="ascii")
    return digest, len(files) + 2, sum(f["size"] for f in files) + len(data)
