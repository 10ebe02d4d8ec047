"""集市 (bazaar): a second marketplace, built unlike the demo, read by a profile alone.

- The search page (/s?kw=…) is an empty shell: its grid is built by JavaScript from a JSON
  API (/api/goods?kw=…&start=…&size=10), which pages by offset.
- Listing pages (/goods/<id>.html) are GB18030, and keep their data in an embedded script
  (window.__INITIAL_STATE__ = {…}); the category is in a breadcrumb, the sales in a line of
  text (月销 1,200 笔).
- Shop pages (/store/<id>) show the licence as text; the 统一社会信用代码 sits in a sentence.

Listing titles are real Taobao titles (reference/product_titles), plus a few planted
violations whose leads a sweep must find.
"""

from __future__ import annotations

import csv
import html
import json
from dataclasses import dataclass

from reference import REFERENCE
from sites import Answer, Site

PAGE_SIZE = 10
REAL_TITLES = REFERENCE / "product_titles" / "taobao_titles_jie2019.csv"
#: (title, category): planted listings, each a lead of the category the test expects.
PLANTED = [
    ("野生穿山甲鳞片 正品 入药 一斤装", "wildlife"),
    ("老料象牙手镯 收藏级 送证书", "wildlife"),
]
#: A character beyond GBK (4 bytes in GB18030), in a real shop name.
BEYOND_GBK = "𠮷"


@dataclass(frozen=True)
class Goods:
    gid: str
    title: str
    now: float
    was: float | None
    origin: str
    category: str
    sales: int
    detail: list[str]
    shop: str


@dataclass(frozen=True)
class Store:
    sid: str
    name: str
    company: str
    uscc: str


STORES = [
    Store("s1", f"{BEYOND_GBK}祥杂货铺", "广州市吉祥商贸有限公司", "91310110666007217T"),
    Store("s2", "老周滋补行", "成都老周贸易有限公司", "91152201078377449P"),
]
ORIGINS = ["广东 广州", "四川 成都", "浙江 义乌"]
CATEGORIES = ["日用百货", "保健食品", "服饰鞋包"]


def catalogue(size: int = 23) -> list[Goods]:
    with REAL_TITLES.open(encoding="utf-8") as f:
        rows = csv.DictReader(f)
        real = [next(rows)["title"] for _ in range(size - len(PLANTED))]
    titles = real + [t for t, _ in PLANTED]
    goods = []
    for i, title in enumerate(titles):
        goods.append(
            Goods(
                gid=str(1001 + i),
                title=title,
                now=round(9.9 + 3.5 * i, 2),
                was=round(29.9 + 7 * i, 2) if i % 3 == 0 else None,
                origin=ORIGINS[i % 3],
                category=CATEGORIES[i % 3],
                sales=1200 + 17 * i,
                detail=[f"商品编号 {1001 + i}", "七天无理由退换"],
                shop=STORES[i % 2].sid,
            )
        )
    return goods


def _shell(kw: str) -> bytes:
    script = (
        f"fetch('/api/goods?kw=' + encodeURIComponent({json.dumps(kw)}) + "
        f"'&start=0&size={PAGE_SIZE}')"
        ".then(r => r.json()).then(d => { const g = document.getElementById('grid');"
        " for (const x of d.goods) { const a = document.createElement('a');"
        " a.href = x.link; a.textContent = x.name; g.appendChild(a); } });"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>集市 搜索</title></head>"
        f"<body><div id='grid'></div><script>{script}</script></body></html>"
    ).encode()


def _goods_page(g: Goods) -> bytes:
    state = {
        "goods": {
            "id": g.gid,
            "title": g.title,
            "price": {"now": g.now, "was": g.was},
            "origin": g.origin,
            "detail": g.detail,
        },
        "seller": {"url": f"/store/{g.shop}", "name": _store(g.shop).name},
    }
    page = (
        "<!DOCTYPE html><html><head><meta charset='gb18030'>"
        f"<title>{html.escape(g.title)} - 集市</title></head><body>"
        f"<div class='crumbs'><a href='/'>首页</a> &gt; <a href='/c/{g.category}'>"
        f"{g.category}</a></div>"
        "<div id='app'><p class='loading'>加载中…</p></div>"
        f"<p class='deal'>月销 {g.sales:,} 笔 · 好评 98%</p>"
        f"<script>window.__INITIAL_STATE__ = {json.dumps(state, ensure_ascii=False)};</script>"
        "</body></html>"
    )
    return page.encode("gb18030")


def _store(sid: str) -> Store:
    return next(s for s in STORES if s.sid == sid)


def _store_page(s: Store) -> bytes:
    page = (
        "<!DOCTYPE html><html><head><meta charset='gb18030'><title>店铺</title></head><body>"
        f"<div class='store'><h2 id='store-name'>{s.name}</h2>"
        "<p class='intro'>本店经营日用百货、预包装食品。</p>"
        f"<div class='zhizhao'><span>营业执照</span><em>{s.company}</em>"
        f"<p>本店营业执照登记的统一社会信用代码：{s.uscc}，以执照原件为准。</p></div>"
        "</div></body></html>"
    )
    return page.encode("gb18030")


def bazaar_site(goods: list[Goods]) -> Site:
    by_id = {g.gid: g for g in goods}

    def search_shell(query, _headers) -> Answer:
        return Answer(body=_shell(query.get("kw", [""])[0]))

    def api(query, _headers) -> Answer:
        start = int(query.get("start", ["0"])[0])
        size = int(query.get("size", [str(PAGE_SIZE)])[0])
        page = goods[start : start + size]
        body = {
            "total": len(goods),
            "start": start,
            "goods": [
                {"gid": g.gid, "link": f"/goods/{g.gid}.html", "name": g.title} for g in page
            ],
        }
        data = json.dumps(body, ensure_ascii=False).encode()
        return Answer(body=data, content_type="application/json; charset=utf-8")

    routes = {"/s": search_shell, "/api/goods": api}
    for g in goods:
        page = _goods_page(g)
        routes[f"/goods/{g.gid}.html"] = lambda q, h, page=page: Answer(
            body=page,
            content_type="text/html",  # the charset is only in the page
        )
    for s in STORES:
        page = _store_page(s)
        routes[f"/store/{s.sid}"] = lambda q, h, page=page: Answer(
            body=page, content_type="text/html"
        )
    assert len(by_id) == len(goods)
    return Site(routes)
