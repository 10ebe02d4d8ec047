"""Platforms read by a profile alone: a real Taobao search page against its answer key, and a
second marketplace unlike the demo (a JavaScript grid fed by a JSON API with offset pages,
GB18030 listing pages whose data sits in an embedded script, XPath and regex fields).

No Python of the crawler knows either site: each is a YAML profile and a real HTTP server.
"""

from __future__ import annotations

import csv
import sqlite3

from bazaar_site import BEYOND_GBK, PLANTED, STORES, bazaar_site, catalogue
from reference import REFERENCE
from sites import Answer, Site
from wangjian_process import ROOT, wangjian, wangjian_json

TAOBAO = REFERENCE / "product_titles" / "taobao_search_2018"
SCRIPT = TAOBAO / "taobao_search_zhimahu_g_page_config.js"
ANSWERS = TAOBAO / "taobao_search_zhimahu_items.csv"
BAZAAR = ROOT / "tests" / "fixtures" / "profiles" / "bazaar.yaml"


def taobao_page() -> bytes:
    """The saved g_page_config script, verbatim, in the page it was served in."""
    script = SCRIPT.read_text(encoding="utf-8")
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>芝麻糊_淘宝搜索</title></head>'
        '<body><div id="J_Header">亲，请登录 免费注册</div><div id="mainsrp-itemlist"></div>'
        f"<script>{script}</script></body></html>"
    ).encode()


def taobao_site() -> Site:
    page = taobao_page()

    def search(query, _headers) -> Answer:
        if query.get("q") == ["芝麻糊"] and query.get("s") == ["0"]:
            return Answer(body=page)
        return Answer(404, b"<h1>404</h1>")  # the saved search has one page

    return Site({"/search": search})


def rows(db, sql: str) -> list[sqlite3.Row]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(sql).fetchall()


def test_taobao_profile_reads_the_saved_search_page_as_its_answer_key_says(tmp_path):
    with taobao_site() as site:
        result = wangjian_json(
            "sweep",
            "taobao",
            "--base-url",
            site.url,
            "--keyword",
            "芝麻糊",
            WANGJIAN_DATA_DIR=str(tmp_path),
        )
        asked = site.paths()
    assert result["status"] == "finished" and result["errors"] == 0
    assert asked.count("/search") == 2  # the page, then the next offset (404: the end)
    db = tmp_path / "wangjian.db"
    listings = {r["external_id"]: r for r in rows(db, "SELECT * FROM listings")}
    ads = {r["external_id"]: r for r in rows(db, "SELECT * FROM ads")}
    answers = list(csv.DictReader(ANSWERS.open(encoding="utf-8")))
    assert len(answers) == 36
    paid = [a for a in answers if "click.simba.taobao.com" in a["detail_url"]]
    organic = [a for a in answers if a not in paid]
    assert (len(listings), len(ads)) == (len(organic), len(paid)) == (35, 1)
    for answer in answers:
        listing = listings[answer["nid"]]
        if answer in paid:  # the ad: its own text, and the listing it advertises
            ad = ads[answer["nid"]]
            assert ad["text"] == answer["raw_title"]
            # The answer key cuts URLs at 200 characters; the page has the whole one.
            assert ad["target_url"].startswith(answer["detail_url"])
            assert (ad["target_external_id"], ad["slot"], ad["labelled"]) == (
                answer["nid"],
                "promoted",
                1,
            )
        else:
            assert listing["title"] == answer["raw_title"]
            # //detail.tmall.com/… takes the scheme of the page it is on (http here)
            assert listing["url"].startswith("http:" + answer["detail_url"])
        assert float(listing["price"]) == float(answer["view_price"])
        assert listing["sales"] == int(answer["view_sales"].removesuffix("人付款"))
        assert listing["ship_from"] == answer["item_loc"]
        assert listing["shop_name"] == answer["nick"]
    # 属地 from the place each listing ships from: 浙江 杭州 -> 3301
    assert listings["568796204027"]["ship_from_code"].startswith("4202")  # 湖北 黄石


# -- 集市: a JavaScript grid fed by a JSON API, GB18030 pages, data in a script -------------


def test_second_marketplace_is_swept_by_its_profile_alone(tmp_path):
    goods = catalogue()
    with bazaar_site(goods) as site:
        result = wangjian_json(
            "sweep",
            str(BAZAAR),
            "--base-url",
            site.url,
            "--keyword",
            "好物",
            WANGJIAN_DATA_DIR=str(tmp_path),
        )
        api = [s.query["start"][0] for s in site.seen if s.path == "/api/goods"]
        agents = {s.headers.get("user-agent") for s in site.seen}
    assert result["status"] == "finished" and result["errors"] == 0, result["error_list"]
    assert api == ["0", "10", "20", "30"]  # offset pages until an empty one
    assert agents == {"wangjian (market monitoring; bazaar test)"}  # the profile's politeness
    db = tmp_path / "wangjian.db"
    listings = {r["external_id"]: r for r in rows(db, "SELECT * FROM listings")}
    assert sorted(listings) == sorted(g.gid for g in goods)  # every listing, once
    for g in goods:
        row = listings[g.gid]
        assert row["title"] == g.title  # GB18030 decoded, the seller's spaces kept
        assert float(row["price"]) == g.now
        assert (float(row["original_price"]) if row["original_price"] else None) == g.was
        assert (row["category"], row["sales"], row["ship_from"]) == (g.category, g.sales, g.origin)
        assert row["description"] == "\n".join(g.detail)
        assert row["shop_name"] == next(s.name for s in STORES if s.sid == g.shop)
    shops = {r["external_id"]: r for r in rows(db, "SELECT * FROM shops")}
    assert {sid: (r["name"], r["uscc"], r["company_name"]) for sid, r in shops.items()} == {
        s.sid: (s.name, s.uscc, s.company) for s in STORES
    }
    assert BEYOND_GBK in shops["s1"]["name"]
    leads = rows(
        db,
        "SELECT listings.title, leads.category FROM leads"
        " JOIN listings ON leads.listing_id = listings.id",
    )
    found = {(r["title"], r["category"]) for r in leads}
    assert set(PLANTED) <= found


def test_profile_check_shows_what_the_picks_find_in_a_json_answer_and_a_script(tmp_path):
    with bazaar_site(catalogue()) as site:
        done = wangjian(
            "profile",
            "check",
            str(BAZAAR),
            f"{site.url}/api/goods?kw=x&start=20&size=10",
            f"{site.url}/goods/1001.html",
            WANGJIAN_DATA_DIR=str(tmp_path),
        )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(
        line.startswith("search.result_link")
        and line.endswith("/goods/1021.html | /goods/1022.html | /goods/1023.html")
        for line in lines
    ), done.stdout
    assert any(
        line.startswith("listing.fields.shop_name") and line.endswith("𠮷祥杂货铺")
        for line in lines
    )
    assert any(
        line.startswith("listing.fields.sales") and line.endswith("→  1,200") for line in lines
    )
