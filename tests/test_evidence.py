"""Evidence of leads, through the real parts: a sweep captures every new lead's page (the
body as served, a WARC that warcio reads, screenshots rendered by Chromium with CJK fonts,
a manifest), files it with hashes in the database and the custody log; an unchanged lead
is not captured again; ``wangjian evidence verify`` catches a flipped byte, a file changed
together with its manifest entry, an edited or deleted custody line.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from png import dark_share, region
from wangjian_process import wangjian, wangjian_json
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from crawler.scrapy_settings import build_scrapy_settings
from crawler.settings import Settings
from pipelines.screenshot import Screenshotter
from rules.items import Served

CATALOG = build_catalog(seed=7, size=30)


def shoot(served: Served, marks: list[str]):
    launch = build_scrapy_settings(Settings())["PLAYWRIGHT_LAUNCH_OPTIONS"]

    async def run():
        shooter = Screenshotter(launch, timeout_s=10)
        try:
            return await shooter.shoot(served, "utf-8", marks)
        finally:
            await shooter.close()

    return asyncio.run(run())


PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><style>body{margin:0}"
    "div{position:absolute;left:0;font-size:64px;line-height:80px;width:200px;height:80px}"
    "</style></head><body><div style='top:0'>象牙</div><div style='top:100px'>穿山</div>"
    "</body></html>"
)


def test_a_screenshot_shows_the_bytes_served_with_real_chinese_glyphs():
    # No server answers this host: the document comes from the capture, nowhere else.
    served = Served(
        "http://evidence.invalid/item/1",
        "GET",
        [],
        200,
        "HTTP/1.1",
        [("Content-Type", "text/html; charset=utf-8")],
        PAGE.encode(),
    )
    shot = shoot(served, ["象牙"])
    assert shot.png is not None and shot.notes == []
    first, second = region(shot.png, 0, 0, 200, 80), region(shot.png, 0, 100, 200, 80)
    # Glyphs drawn (ink on the page) and different characters drawn differently: missing
    # fonts draw every character as the same empty box.
    assert dark_share(first, 4) > 0.03 and dark_share(second, 4) > 0.03
    assert first != second
    # The marked copy outlines the hit; the evidence copy is untouched.
    assert shot.marked is not None and shot.marked != shot.png
    assert region(shot.marked, 0, 100, 200, 80) == second


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("evidence")
    db = tmp / "wangjian.db"
    env = {"WANGJIAN_DATA_DIR": str(tmp), "WANGJIAN_CAPTURE": "true"}
    with DemoServer(CATALOG) as server:
        first = wangjian_json("sweep", "demo", "--base-url", server.url, code=0, **env)
        second = wangjian_json("sweep", "demo", "--base-url", server.url, code=0, **env)
    return tmp, db, first, second


def rows(db: Path, sql: str) -> list[sqlite3.Row]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(sql).fetchall()


def stats(db: Path, sweep_id: int) -> dict:
    return json.loads(rows(db, f"SELECT stats FROM sweeps WHERE id = {sweep_id}")[0]["stats"])


def test_every_lead_is_captured_once_and_an_unchanged_one_not_again(swept):
    _, db, first, second = swept
    targets = rows(
        db,
        "SELECT DISTINCT listing_id, shop_id, ad_id FROM leads",
    )
    captured = rows(db, "SELECT listing_id, shop_id, ad_id, page_sha256 FROM captures")
    assert len(targets) > 5
    assert {tuple(r)[:3] for r in captured} == {tuple(r) for r in targets}
    # Once a page: a listing or shop page once, an ad once for each search page it was
    # seen on (the page is its evidence), however many sweeps saw them.
    assert len({tuple(r) for r in captured}) == len(captured)
    pages = rows(db, "SELECT count(*) AS n FROM captures WHERE ad_id IS NULL")[0]["n"]
    assert pages == len([t for t in targets if t["ad_id"] is None])
    first_stats, later = stats(db, first["sweep_id"]), stats(db, second["sweep_id"])
    assert first_stats["wangjian/evidence/captured"] >= len(targets)
    again = later.get("wangjian/evidence/captured", 0)
    assert first_stats["wangjian/evidence/captured"] + again == len(captured)
    assert again <= len(captured) - pages  # only ads met on another search page
    assert later["wangjian/evidence/unchanged"] >= pages


def test_the_warc_holds_the_exchange_and_the_screenshots(swept):
    data, db, _, _ = swept
    (capture,) = rows(
        db,
        "SELECT captures.* FROM captures JOIN listings ON captures.listing_id = listings.id"
        " WHERE listings.rendered = 0 ORDER BY captures.id LIMIT 1",
    )
    files = {
        r["role"]: r
        for r in rows(db, f"SELECT * FROM capture_files WHERE capture_id = {capture['id']}")
    }
    assert {"body", "screenshot", "warc", "manifest"} <= set(files)
    (listing,) = rows(db, f"SELECT * FROM listings WHERE id = {capture['listing_id']}")
    body = (data / files["body"]["path"]).read_bytes()
    assert hashlib.sha256(body).hexdigest() == capture["page_sha256"] == listing["page_sha256"]
    with (data / files["warc"]["path"]).open("rb") as handle:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(handle)
        ]
    kinds = [kind for kind, _, _ in records]
    assert kinds[:3] == ["warcinfo", "request", "response"] and "resource" in kinds
    assert b"software: wangjian" in records[0][2]
    response = records[2]
    assert response[1] == listing["url"]
    assert hashlib.sha256(response[2]).hexdigest() == capture["page_sha256"]
    png = next(payload for kind, _, payload in records if kind == "resource")
    assert hashlib.sha256(png).hexdigest() == files["screenshot"]["sha256"]
    manifest = json.loads((data / capture["manifest_path"]).read_bytes())
    assert (
        hashlib.sha256((data / capture["manifest_path"]).read_bytes()).hexdigest()
        == (capture["manifest_sha256"])
    )
    assert {f["role"]: f["sha256"] for f in manifest["files"]} == {
        role: f["sha256"] for role, f in files.items() if role != "manifest"
    }
    assert manifest["captured_at_beijing"].endswith("+08:00")
    assert manifest["clock"]["source"] == "system clock"
    assert manifest["response"]["ip"] == "127.0.0.1"
    assert manifest["hits"] and all(h["legal_basis"] is not None for h in manifest["hits"])


def verify(data: Path, db: Path, *args: str):
    return wangjian(
        "evidence",
        "verify",
        *args,
        "--database-url",
        f"sqlite:///{db}",
        WANGJIAN_DATA_DIR=str(data),
    )


@pytest.fixture
def copy(swept, tmp_path):
    """The evidence folder copied, to be damaged without harming the others' copy."""
    data, db, _, _ = swept
    shutil.copytree(data / "evidence", tmp_path / "evidence")
    for path in (tmp_path / "evidence").rglob("*"):
        if path.is_file():
            os.chmod(path, 0o644)
    return tmp_path, db


def test_intact_evidence_verifies(swept):
    data, db, _, _ = swept
    done = verify(data, db)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("全部完好")


def a_file(db: Path, role: str) -> sqlite3.Row:
    return rows(db, f"SELECT * FROM capture_files WHERE role = '{role}' ORDER BY id LIMIT 1")[0]


def test_a_flipped_byte_is_named(copy):
    data, db = copy
    shot = a_file(db, "screenshot")
    path = data / shot["path"]
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    done = verify(data, db)
    assert done.returncode == 1
    assert f"{shot['path']}: 文件已被改动（screenshot）" in done.stdout


def test_a_file_changed_with_its_manifest_entry_is_caught(copy):
    data, db = copy
    body = a_file(db, "body")
    (capture,) = rows(db, f"SELECT * FROM captures WHERE id = {body['capture_id']}")
    forged = b"<html>nothing to see</html>"
    (data / body["path"]).write_bytes(forged)
    manifest_path = data / capture["manifest_path"]
    manifest = json.loads(manifest_path.read_bytes())
    for entry in manifest["files"]:
        if entry["role"] == "body":
            entry["sha256"], entry["size"] = hashlib.sha256(forged).hexdigest(), len(forged)
    manifest_path.write_bytes(json.dumps(manifest, ensure_ascii=False).encode())
    done = verify(data, db, "--lead", str(lead_of(db, capture)))
    assert done.returncode == 1
    assert "清单与数据库记录的哈希不符" in done.stdout
    assert f"{body['path']}: 文件已被改动（body）" in done.stdout


def lead_of(db: Path, capture: sqlite3.Row) -> int:
    for kind in ("listing", "shop", "ad"):
        if capture[f"{kind}_id"] is not None:
            where = f"{kind}_id = {capture[f'{kind}_id']}"
            return rows(db, f"SELECT id FROM leads WHERE {where}")[0]["id"]
    raise AssertionError("a capture without a target")


def test_an_edited_or_deleted_custody_line_is_caught(copy):
    data, db = copy
    log = data / "evidence" / "custody.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    assert len(lines) >= 3
    edited = list(lines)
    edited[1] = edited[1].replace(b'"capture"', b'"view"')
    log.write_bytes(b"".join(edited))
    done = verify(data, db)
    assert done.returncode == 1 and "保管记录：line 3" in done.stdout, done.stdout
    log.write_bytes(b"".join(lines[:-1]))  # the last line gone: the chain is whole
    done = verify(data, db)
    assert done.returncode == 1 and "保管记录：" in done.stdout, done.stdout
