"""Referral packets (线索移送材料) through the real parts: listings with hostile titles are
scanned and kept with evidence captured by Chromium, `wangjian leads referral` writes the
packet of one region, and then: the WACZ passes `wacz validate`, Chromium opens the dossier
without running any seller script or fetching anything, the records print to PDF with CJK
fonts, the lead sheet has no formula, and `wangjian evidence verify --packet` — with no
database at all — passes on the packet as written and names every change made to it.

The dossier's first page, as Chromium shows it, is kept in ``test-artefacts/`` (or
``$WANGJIAN_TEST_ARTEFACTS``).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from html import escape
from pathlib import Path

import openpyxl
import pytest
from png import dark_share, pixels, region
from sites import Answer, Site
from wangjian_process import ROOT, wangjian, wangjian_json

from crawler.scrapy_settings import chromium_launch
from crawler.settings import Settings
from store.custody import CustodyLog
from store.packet import MANIFEST, SIDECAR, verify_packet

ARTEFACTS = Path(os.environ.get("WANGJIAN_TEST_ARTEFACTS", ROOT / "test-artefacts"))

FORMULA = '=HYPERLINK("http://x","y") 象牙手镯'
SCRIPT = "<script>document.title='pwned';window.pwned=1</script>老象牙筷子"
IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">象牙印章 原料"
# Hubei (42): Ezhou and Wuhan; Beijing (11) is another region, not in Hubei's packet.
LISTINGS = {
    "H1": (FORMULA, "湖北 鄂州"),
    "H2": (SCRIPT, "湖北 鄂州"),
    "H3": (IMG, "湖北 武汉"),
    "B1": ("象牙雕刻摆件 老货", "北京"),
}


def listing_page(external_id: str, title: str, ship_from: str) -> bytes:
    """A listing in the demo marketplace's markup (spiders/profiles/demo.yaml reads it)."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head><body>"
        f"<div class='item' data-id='{external_id}'><h1 class='title'>{escape(title)}</h1>"
        "<p class='price-box'>价格：<span class='price'>¥88.00</span></p>"
        "<p>类目：<span class='category'>文玩收藏</span></p>"
        f"<p>发货地：<span class='ship-from'>{ship_from}</span></p>"
        f"<div class='desc'>{escape(title)} 实物拍摄</div></div></body></html>"
    ).encode()


def answer(external_id: str):
    title, ship_from = LISTINGS[external_id]
    return lambda query, headers: Answer(body=listing_page(external_id, title, ship_from))


@pytest.fixture(scope="module")
def kept(tmp_path_factory):
    """A data directory holding the four listings' leads with their evidence."""
    data = tmp_path_factory.mktemp("referral")
    env = {"WANGJIAN_DATA_DIR": str(data), "WANGJIAN_CAPTURE": "true"}
    routes = {f"/item/{i}": answer(i) for i in LISTINGS}
    with Site(routes) as site:
        urls = [f"{site.url}/item/{i}" for i in LISTINGS]
        wangjian_json("scan", *urls, "--profile", "demo", "--keep", code=0, **env)
    return data, env


@pytest.fixture(scope="module")
def packet(kept, tmp_path_factory):
    data, env = kept
    out = tmp_path_factory.mktemp("packets") / "移送-湖北"
    done = wangjian("leads", "referral", "--region", "42", "--out", out, "--by", "张三", **env)
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_bytes())


def test_the_packet_holds_the_regions_leads_and_every_piece(packet):
    out, printed = packet
    manifest = manifest_of(out)
    titles = sorted(lead["title"] for lead in manifest["leads"])
    assert titles == sorted([FORMULA, SCRIPT, IMG])  # not Beijing's
    assert {lead["region_code"][:2] for lead in manifest["leads"]} == {"42"}
    assert all(lead["captures"] for lead in manifest["leads"])
    for name in ("index.html", "leads.xlsx", "archive.wacz", SIDECAR):
        assert (out / name).is_file(), name
    for lead in manifest["leads"]:
        assert (out / lead["page"]).is_file()
        pdf = (out / lead["record"]).with_suffix(".pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
        # The record is printed with the CJK font, not boxes.
        assert b"NotoSansCJK" in pdf.read_bytes() or b"NotoSerifCJK" in pdf.read_bytes()
    for capture in manifest["captures"].values():
        assert set(capture["files"]) >= {"body", "screenshot", "warc", "manifest"}
    sha = (out / SIDECAR).read_text().split()[0]
    assert sha in printed and "线索 3 条" in printed


def test_the_web_archive_validates_with_the_wacz_tool(packet):
    out, _ = packet
    tool = Path(sys.executable).with_name("wacz")
    done = subprocess.run(
        [str(tool), "validate", "-f", str(out / "archive.wacz")], capture_output=True, text=True
    )
    assert done.returncode == 0 and "valid" in done.stdout, done.stdout + done.stderr
    import zipfile

    with zipfile.ZipFile(out / "archive.wacz") as wacz:
        pages = wacz.read("pages/pages.jsonl").decode().splitlines()
    assert len(pages) == 1 + 3  # the header, then one page a lead


def test_the_lead_sheet_holds_no_formula(packet):
    out, _ = packet
    sheet = openpyxl.load_workbook(out / "leads.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    assert "'" + FORMULA in [c.value for c in cells]


def open_in_chromium(pages: list[Path], shot: Path | None = None) -> list[dict]:
    """What each page did in Chromium with JavaScript on: title, marks a script would leave,
    requests other than local files, dialogs, console messages."""
    from playwright.sync_api import sync_playwright

    seen = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch(Settings()))
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            events: dict[str, list] = {"requests": [], "dialogs": [], "console": []}
            page.on("request", lambda r: events["requests"].append(r.url))
            page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
            page.on("console", lambda m: events["console"].append(m.text))
            for number, path in enumerate(pages):
                for found in events.values():
                    found.clear()
                page.goto(path.resolve().as_uri(), wait_until="load")
                page.wait_for_timeout(200)
                seen.append(
                    {
                        "title": page.title(),
                        "pwned": page.evaluate(
                            "() => [window.pwned, document.body.getAttribute('data-pwned')]"
                        ),
                        "remote": [u for u in events["requests"] if not u.startswith("file:")],
                        "dialogs": list(events["dialogs"]),
                        "text": page.inner_text("body"),
                        "broken": page.evaluate(
                            "() => [...document.images].filter(i => !i.naturalWidth)"
                            ".map(i => i.getAttribute('src'))"
                        ),
                    }
                )
                if shot is not None and number == 0:
                    page.screenshot(path=str(shot))
        finally:
            browser.close()
    return seen


def test_the_dossier_opens_in_chromium_runs_no_seller_script_and_loads_nothing(packet):
    out, _ = packet
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "referral-dossier-index.png"
    manifest = manifest_of(out)
    pages = [out / "index.html"]
    pages += [out / lead["page"] for lead in manifest["leads"]]
    pages += [out / lead["record"] for lead in manifest["leads"]]
    seen = open_in_chromium(pages, shot)
    for path, page in zip(pages, seen, strict=True):
        assert page["pwned"] == [None, None], path
        assert "pwned" not in page["title"], path
        assert page["remote"] == [] and page["dialogs"] == [], path
        assert page["broken"] == [], path  # screenshots are in the packet, found offline
    # The hostile titles are shown as text, whole.
    assert SCRIPT in seen[0]["text"] and IMG in seen[0]["text"]
    leads_text = "\n".join(p["text"] for p in seen[1:4])
    assert "电子数据提取笔录" in leads_text and "依据" in leads_text
    records = "\n".join(p["text"] for p in seen[4:])
    assert "见证人（签名）" in records and "服务器 IP 地址：127.0.0.1" in records
    # The kept screenshot shows the index drawn with glyphs.
    png = shot.read_bytes()
    width, height, rows = pixels(png)
    channels = len(rows[0]) // width
    assert (width, height) == (1200, 900)
    assert dark_share(region(png, 0, 0, width, height), channels) > 0.01


def test_the_browser_check_would_see_a_script_that_ran(tmp_path):
    # The same check on a page that does run the seller's script: it must notice.
    page = tmp_path / "unsafe.html"
    page.write_text(f"<!DOCTYPE html><html><body><p>{SCRIPT}</p></body></html>", encoding="utf-8")
    (seen,) = open_in_chromium([page])
    assert seen["pwned"][0] == 1 and seen["title"] == "pwned"


def test_the_packet_verifies_without_any_database(packet, tmp_path):
    out, printed = packet
    sha = (out / SIDECAR).read_text().split()[0]
    nowhere = {"WANGJIAN_DATA_DIR": str(tmp_path / "empty")}
    done = wangjian("evidence", "verify", "--packet", out, "--sha256", sha, **nowhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "全部完好" in done.stdout
    assert not (tmp_path / "empty" / "wangjian.db").exists()


def test_the_referral_is_in_the_custody_log(kept, packet):
    data, _ = kept
    out, _ = packet
    events = CustodyLog(data / "evidence" / "custody.jsonl").events()
    (referral,) = [e for e in events if e.action == "referral"]
    assert referral.by == "张三" and referral.what["region"] == "42"
    assert referral.what["manifest"] == (out / SIDECAR).read_text().split()[0]


@pytest.fixture
def tampered(packet, tmp_path):
    out, _ = packet
    copy = tmp_path / "packet"
    shutil.copytree(out, copy)
    return copy


def a_capture(folder: Path) -> dict:
    return next(iter(manifest_of(folder)["captures"].values()))


def problems(folder: Path) -> list[str]:
    found, _ = verify_packet(folder)
    return found


def test_a_flipped_byte_in_a_screenshot_is_named(tampered):
    path = a_capture(tampered)["files"]["screenshot"]
    data = bytearray((tampered / path).read_bytes())
    data[len(data) // 2] ^= 1
    (tampered / path).write_bytes(bytes(data))
    found = problems(tampered)
    assert found and all(path in p for p in found), found
    done = wangjian("evidence", "verify", "--packet", tampered)
    assert done.returncode == 1 and path in done.stdout


def test_a_file_changed_with_every_manifest_naming_it_is_caught(tampered):
    """The body rewritten, and its hash rewritten in the capture manifest and the packet
    manifest, and the packet manifest's hash file: only the hash the sender gave, and the
    capture manifest's hash from the sender's database, still tell."""
    import hashlib

    capture = a_capture(tampered)
    body, capture_manifest = capture["files"]["body"], capture["files"]["manifest"]
    new_body = (tampered / body).read_bytes().replace("象牙".encode(), "玩具".encode())
    (tampered / body).write_bytes(new_body)
    entries = json.loads((tampered / capture_manifest).read_bytes())
    for entry in entries["files"]:
        if entry["role"] == "body":
            entry["sha256"] = hashlib.sha256(new_body).hexdigest()
    (tampered / capture_manifest).write_bytes(json.dumps(entries).encode())
    manifest = manifest_of(tampered)
    original = (tampered / SIDECAR).read_text().split()[0]
    for entry in manifest["files"]:
        if entry["path"] in (body, capture_manifest):
            entry["sha256"] = hashlib.sha256((tampered / entry["path"]).read_bytes()).hexdigest()
    raw = json.dumps(manifest).encode()
    (tampered / MANIFEST).chmod(0o644)
    (tampered / MANIFEST).write_bytes(raw)
    (tampered / SIDECAR).write_text(f"{hashlib.sha256(raw).hexdigest()}  {MANIFEST}\n")
    found = problems(tampered)
    assert any(capture_manifest in p and "数据库" in p for p in found), found
    done = wangjian("evidence", "verify", "--packet", tampered, "--sha256", original)
    assert done.returncode == 1 and "发送方告知" in done.stdout


def test_an_edited_packet_manifest_a_missing_and_an_added_file_are_named(tampered):
    manifest = manifest_of(tampered)
    manifest["region"] = "11"
    (tampered / MANIFEST).write_bytes(json.dumps(manifest).encode())
    removed = a_capture(tampered)["files"]["warc"]
    (tampered / removed).unlink()
    (tampered / "leads" / "extra.html").write_text("<p>x</p>")
    found = "\n".join(problems(tampered))
    assert f"{MANIFEST} 已被改动" in found
    assert f"{removed}: 文件缺失" in found
    assert "leads/extra.html: 未列入清单的文件" in found


def test_a_damaged_web_archive_fails_validation(tampered):
    (tampered / "archive.wacz").write_bytes(b"PK\x03\x04 not a zip")
    found = problems(tampered)
    assert any("archive.wacz" in p and "WACZ" in p for p in found), found


def test_altered_evidence_stops_the_packet_and_leaves_nothing(kept, tmp_path):
    data, env = kept
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    with sqlite3.connect(copy / "wangjian.db") as connection:
        (path,) = connection.execute(
            "SELECT f.path FROM capture_files f JOIN captures c ON c.id = f.capture_id "
            "WHERE c.url LIKE '%/item/H2' AND f.role = 'screenshot'"
        ).fetchone()
    victim = copy / path
    victim.chmod(0o644)
    victim.write_bytes(victim.read_bytes() + b"!")
    out = tmp_path / "packet"
    env = {**env, "WANGJIAN_DATA_DIR": str(copy)}
    done = wangjian("leads", "referral", "--region", "42", "--out", out, **env)
    assert done.returncode == 2 and "altered" in done.stderr and victim.name in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".packet.*"))


def test_a_referral_needs_a_region_a_new_folder_and_leads(kept, tmp_path):
    _, env = kept
    done = wangjian("leads", "referral", "--out", tmp_path / "p", **env)
    assert done.returncode == 2 and "--region" in done.stderr
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    done = wangjian("leads", "referral", "--region", "42", "--out", full, **env)
    assert done.returncode == 2 and "not empty" in done.stderr
    done = wangjian("leads", "referral", "--region", "65", "--out", tmp_path / "q", **env)
    assert done.returncode == 2 and "no lead" in done.stderr
    assert not (tmp_path / "q").exists()


def test_leads_without_evidence_still_make_a_packet_that_says_so(tmp_path):
    env = {"WANGJIAN_DATA_DIR": str(tmp_path / "data"), "WANGJIAN_CAPTURE": "false"}
    with Site({"/item/H1": answer("H1")}) as site:
        wangjian_json("scan", f"{site.url}/item/H1", "--profile", "demo", "--keep", code=0, **env)
    out = tmp_path / "packet"
    done = wangjian("leads", "referral", "--region", "4207", "--out", out, **env)
    assert done.returncode == 0, done.stderr
    assert "没有取证材料" in done.stderr
    manifest = manifest_of(out)
    assert [lead["captures"] for lead in manifest["leads"]] == [[]]
    assert not (out / "archive.wacz").exists()
    assert "本线索没有取证材料" in (out / manifest["leads"][0]["page"]).read_text("utf-8")
    done = wangjian("evidence", "verify", "--packet", out)
    assert done.returncode == 0, done.stdout
