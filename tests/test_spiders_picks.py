"""Picks: CSS, XPath, JSON paths into a page's data, regexes; checked at load, read purely."""

from __future__ import annotations

import json

import pytest
from pydantic import TypeAdapter, ValidationError
from scrapy.http import HtmlResponse, Request, TextResponse

from rules.errors import field_problems
from spiders.picks import DataError, DataSource, Page, Pick, PickSpec, embedded_json, values

PICK = TypeAdapter(PickSpec)
HTML = """<html><head><title>t</title></head><body>
<div class="crumbs"><a>首页</a> &gt; <a>保健食品</a></div>
<h1 class="title">  象牙
  手镯 </h1>
<p class="deal">月销 1,200 笔 · 好评 98%</p>
<a class="shop" href="/store/9">店</a>
<script>window.__INITIAL_STATE__ = {"goods": {"title": "象牙  手镯", "price": {"now": 12.5},
 "detail": ["一", "二"], "p4p": 1, "on": true, "none": null}};</script>
</body></html>"""


def page(source: DataSource | None = None, body: str = HTML, json_type: bool = False) -> Page:
    url = "http://shop.test/goods/1.html"
    if json_type:
        response = TextResponse(
            url,
            body=body.encode(),
            headers={"Content-Type": "application/json"},
            request=Request(url),
            encoding="utf-8",
        )
    else:
        response = HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))
    return Page(response, source)


STATE = DataSource(script="window.__INITIAL_STATE__ =")


def read(spec) -> list[str]:
    return values(page(STATE).scope(), PICK.validate_python(spec))


@pytest.mark.parametrize(
    ("spec", "found"),
    [
        ("h1.title", ["象牙 手镯"]),  # the short form: CSS, HTML white space collapsed
        ("a.shop::attr(href)", ["/store/9"]),
        ({"xpath": "//div[@class='crumbs']/a[last()]"}, ["保健食品"]),
        ({"xpath": "//div[@class='crumbs']/a/text()"}, ["首页", "保健食品"]),
        ({"xpath": "count(//a)"}, ["3.0"]),
        ({"json": "goods.title"}, ["象牙  手镯"]),  # JSON text is kept as typed
        ({"json": "goods.price.now"}, ["12.5"]),
        ({"json": "goods.detail[]"}, ["一", "二"]),
        ({"json": "goods.on"}, ["true"]),
        ({"json": "goods.none"}, []),
        ({"json": "goods.missing"}, []),
        ({"json": "goods.p4p == `1`"}, ["true"]),
        ({"css": "p.deal", "regex": r"月销\s*([\d,]+)\s*笔"}, ["1,200"]),
        ({"css": "p.deal", "regex": r"\d+%"}, ["98%"]),  # no group: the whole match
        ({"css": "p.deal", "regex": "差评"}, []),
        ({"regex": r'"now": ([\d.]+)'}, ["12.5"]),  # alone: the page's source
    ],
)
def test_what_each_kind_of_pick_finds(spec, found):
    assert read(spec) == found


def test_the_data_of_a_json_response_is_its_body():
    body = json.dumps({"goods": [{"link": "/goods/1.html"}, {"link": "/goods/2.html"}]})
    scope = page(None, body, json_type=True).scope()
    assert values(scope, PICK.validate_python({"json": "goods[].link"})) == [
        "/goods/1.html",
        "/goods/2.html",
    ]
    assert values(scope, PICK.validate_python("a")) == []  # no HTML in a JSON answer


def test_each_result_is_a_scope_for_the_picks_inside_it():
    body = json.dumps({"items": [{"id": 1, "t": "甲"}, {"id": 2, "t": "乙"}, None]})
    scope = page(None, body, json_type=True).scope()
    results = scope.each(PICK.validate_python({"json": "items"}))
    assert [values(r, PICK.validate_python({"json": "t"})) for r in results] == [["甲"], ["乙"]]


def test_a_page_without_the_named_data_fails_with_the_marker_named():
    with pytest.raises(DataError, match="no JSON after 'g_page_config' in the page"):
        page(DataSource(script="g_page_config")).data  # noqa: B018


def test_embedded_json_skips_a_marker_without_json_after_it():
    source = 'var g_page_config; g_page_config = {"a": [1, 2]};'
    assert embedded_json(source, "g_page_config") == {"a": [1, 2]}
    assert embedded_json("nothing here", "g_page_config") is None


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("a.next[href", "bad CSS selector 'a.next[href'"),
        ({"xpath": "//a[@"}, "bad XPath '//a[@'"),
        ({"json": "goods.[x"}, "bad JSON path 'goods.[x'"),
        ({"css": "p", "regex": "(月销"}, "bad regular expression '(月销'"),
        ({"css": "p", "json": "a"}, "give one of css, xpath and json, not css and json"),
        ({}, "give css, xpath, json or regex"),
        ({"jsonpath": "a"}, "extra inputs are not permitted"),
    ],
)
def test_a_bad_pick_is_refused_at_load_naming_the_problem(spec, problem):
    with pytest.raises(ValidationError) as caught:
        PICK.validate_python(spec)
    assert any(problem in p.message for p in field_problems(caught.value)), caught.value


def test_a_pick_is_described_as_written():
    assert PICK.validate_python("h1").describe() == "css: h1"
    assert Pick.model_validate({"json": "a.b", "regex": "x"}).describe() == "json: a.b, regex: x"
