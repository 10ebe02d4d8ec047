"""Every Chinese label a person reads, in one place, so that the CLI, exports and reports agree.

Investigators read Chinese; the code and the store speak in ids (``listing``, ``uscc_valid``,
``wildlife``). Each helper returns its input unchanged when it has no label, so a new id shows
up as itself rather than as an error or a blank.
"""

from __future__ import annotations

from collections.abc import Mapping

#: What was read: a record kind, or a page read without a platform profile (``scan``).
KIND_LABELS = {
    "listing": "商品",
    "shop": "店铺",
    "ad": "广告",
    "search": "搜索页",
    "page": "网页",
}

#: Where a hit was found: the text fields of a record, or the record as a whole (checks).
FIELD_LABELS = {
    "title": "标题",
    "description": "描述",
    "shop_text": "店铺页文字",
    "category": "类目",
    "record": "记录",
}

#: The fields a platform profile reads off a listing page (``listing.fields``), as the health
#: of a sweep names them (field coverage, "the page structure may have changed").
LISTING_FIELD_LABELS = {
    "title": "标题",
    "price": "价格",
    "original_price": "划线价",
    "sales": "销量",
    "category": "类目",
    "ship_from": "发货地",
    "description": "描述",
    "shop_name": "店铺名称",
    "shop_link": "店铺链接",
}

#: Why a page could not be fetched or read (``PageFailure.reason``).
FAILURE_LABELS = {
    "fetch": "未能获取",
    "http": "HTTP 错误",
    "blocked": "被拦截（验证码/登录墙）",
    "not_html": "不是网页",
    "extraction": "提取失败",
    "render": "渲染失败",
    "store": "存储失败",
}

#: How a hit was found.
VIA_LABELS = {
    "term": "词条",
    "regex": "正则",
    "fuzzy": "近似",
    "phonetic": "谐音/拼音",
    "check": "结构检查",
}

#: Where a lead is in review.
STATUS_LABELS = {
    "new": "待核查",
    "verified": "已核查",
    "referred": "已移送",
    "dismissed": "已排除",
}

SWEEP_KIND_LABELS = {"sweep": "巡查", "scan": "扫描存档", "rescore": "重新评分"}
SWEEP_STATUS_LABELS = {
    "running": "进行中",
    "finished": "已完成",
    "failed": "失败",
    "interrupted": "已中断",
    "unreachable": "无法访问",
    "blocked": "被平台拦截",
}

#: What is wrong when a structural check of rules/checks.py fires; one per registered kind
#: (tests/test_rules_labels.py fails on a check without one). The check's own note carries the
#: particulars (which code, which permit); this names the finding in a list of hits.
#: What placed a lead (store.leads.REGION_SOURCES), as exports and dossiers say it.
REGION_SOURCE_LABELS = {
    "uscc": "统一社会信用代码",
    "licence_address": "营业执照住所",
    "listing_ship_from": "商品发货地",
    "ship_from": "店铺多数商品的发货地",
}


def region_source_label(source: str | None) -> str:
    return REGION_SOURCE_LABELS.get(source or "", "")


CHECK_LABELS = {
    "licence_present": "未公示营业执照",
    "licence_text": "营业执照仅以图片公示",
    "uscc_valid": "统一社会信用代码校验不通过",
    "permit_present": "未公示所需经营许可证",
    "seller_permit": "出售需许可商品的店铺未公示许可证",
    "discount_ratio": "现价远低于划线价",
    "reference_price": "划线价高于促销前7日最低价",
    "raise_then_discount": "先涨价后打折",
    "price_gouging": "应急期间大幅涨价",
    "ad_label": "付费推广未标明广告",
}

#: Titles of the shipped packs (rules/packs/*.yaml), for places that have no pack set loaded.
#: Must equal each pack's ``title``: tests/test_rules_labels.py compares them.
CATEGORY_LABELS = {
    "license_display": "亮照亮证",
    "fake_promotion": "虚假宣传与违规促销",
    "prohibited_goods": "禁限售商品",
    "wildlife": "野生动植物及其制品",
    "price_gouging": "哄抬价格",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def listing_field_label(field: str) -> str:
    return LISTING_FIELD_LABELS.get(field, field)


def failure_label(reason: str) -> str:
    return FAILURE_LABELS.get(reason, reason)


def via_label(via: str) -> str:
    return VIA_LABELS.get(via, via)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def sweep_kind_label(kind: str) -> str:
    return SWEEP_KIND_LABELS.get(kind, kind)


def sweep_status_label(status: str) -> str:
    return SWEEP_STATUS_LABELS.get(status, status)


def check_label(kind: str) -> str:
    return CHECK_LABELS.get(kind, kind)


def category_label(pack_id: str, titles: Mapping[str, str] | None = None) -> str:
    """The pack's title: from ``titles`` (the packs loaded, custom ones included), else the
    shipped title, else the id."""
    if titles and titles.get(pack_id):
        return titles[pack_id]
    return CATEGORY_LABELS.get(pack_id, pack_id)


def hit_label(matched: str, term: str, via: str) -> str:
    """What to show for one hit in a summary: the seller's text, or what a check found."""
    if via == "check":
        return check_label(term)
    # A stored hit may have lost its span text; the listed term still says what matched.
    return matched or term


__all__ = [
    "CATEGORY_LABELS",
    "CHECK_LABELS",
    "FAILURE_LABELS",
    "FIELD_LABELS",
    "KIND_LABELS",
    "LISTING_FIELD_LABELS",
    "STATUS_LABELS",
    "SWEEP_KIND_LABELS",
    "SWEEP_STATUS_LABELS",
    "VIA_LABELS",
    "category_label",
    "check_label",
    "failure_label",
    "field_label",
    "hit_label",
    "kind_label",
    "listing_field_label",
    "status_label",
    "sweep_kind_label",
    "sweep_status_label",
    "via_label",
]
