"""Extraction: pure functions from a response and a platform profile to items.

Nothing here fetches or schedules; the spider only routes responses to these functions, and
tests call them on saved pages. A required field that is missing raises ``ExtractionError``:
the platform changed the shape of its pages, which staff must hear about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from parsel import Selector
from scrapy.http import Response, TextResponse

from rules.items import AdItem, ListingItem, PageCapture, ShopItem
from spiders.profile import PlatformProfile, RenderRule

PageKind = Literal["listing", "shop", "search", "page"]

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_LABEL = re.compile(r"^[^：:]{1,20}[：:]\s*")
_LIST_SEPARATORS = re.compile(r"[\s、,，/;；|]+")
# HTML whitespace only, as a browser collapses it: U+3000 and other spaces a seller typed
# (象\u3000牙) are the seller's text and stay for the rules to see.
_HTML_SPACE = " \t\n\r\f"
_SPACE = re.compile(f"[{_HTML_SPACE}]+")


class ExtractionError(ValueError):
    """A required field is missing: the page does not have the shape the profile expects."""

    def __init__(self, url: str, field: str, message: str) -> None:
        self.url, self.field, self.message = url, field, message
        super().__init__(f"{url}: {field}: {message}")


@dataclass
class SearchPage:
    listing_urls: list[str] = field(default_factory=list)
    ads: list[AdItem] = field(default_factory=list)
    next_url: str | None = None


# -- field kinds --------------------------------------------------------------------------


def texts(sel: Selector, css: str | None) -> list[str]:
    """The text of each match; attribute and ::text selectors give their values as is."""
    if not css:
        return []
    if "::" in css:
        values = sel.css(css).getall()
    else:
        values = ["".join(node.css("::text").getall()) for node in sel.css(css)]
    return [v for v in (_SPACE.sub(" ", v).strip(_HTML_SPACE) for v in values) if v]


def first_text(sel: Selector, css: str | None) -> str:
    found = texts(sel, css)
    return found[0] if found else ""


def parse_price(text: str) -> float | None:
    """'¥1,299.00' -> 1299.0; None when the text holds no number (e.g. 面议)."""
    match = _NUMBER.search(text.replace("，", ","))
    return float(match.group().replace(",", "")) if match else None


def strip_label(text: str) -> str:
    """'统一社会信用代码：9142…' -> '9142…' (full- or half-width colon)."""
    return _LABEL.sub("", text, count=1).strip()


def label_of(text: str) -> str:
    """'食品经营许可证：JY1…' -> '食品经营许可证'; the whole text when there is no label."""
    match = _LABEL.match(text)
    return match.group().rstrip("：: \t") if match else text.strip()


def parse_uscc(text: str) -> str | None:
    """The code as displayed, label and inner spaces removed; validity is for the rules."""
    code = re.sub(r"\s+", "", strip_label(text))
    return code or None


def split_list(text: str) -> list[str]:
    return [part for part in _LIST_SEPARATORS.split(strip_label(text)) if part]


def external_id(url: str, pattern: str) -> str | None:
    match = re.search(pattern, urlsplit(url).path)
    return match.group("id") if match else None


def capture(response: Response) -> PageCapture:
    """How ``response`` was served; any response, text or not (an error page, an image)."""
    return PageCapture.of(
        response.url,
        response.status,
        response.body,
        getattr(response, "encoding", None) or "binary",
        rendered="playwright" in response.flags,
    )


def page_kind(url: str, profile: PlatformProfile | None) -> PageKind:
    """Which of the profile's pages ``url`` is, by its path; 'page' when none or no profile."""
    if profile is None:
        return "page"
    if external_id(url, profile.listing.id_pattern) is not None:
        return "listing"
    if external_id(url, profile.shop.id_pattern) is not None:
        return "shop"
    search_paths = {urlsplit(u).path for u in (profile.search.url, *profile.search.browse)}
    return "search" if urlsplit(url).path in search_paths else "page"


def render_rule(kind: PageKind, profile: PlatformProfile | None) -> RenderRule | None:
    """The profile's rule for when a page of this kind needs Chromium; None if never."""
    if profile is None or kind not in ("listing", "shop"):
        return None
    return profile.listing.render if kind == "listing" else profile.shop.render


def _require(response: TextResponse, name: str, value: str | None) -> str:
    if not value:
        raise ExtractionError(response.url, name, "required field is missing or empty")
    return value


# -- pages --------------------------------------------------------------------------------


def extract_search(response: TextResponse, profile: PlatformProfile) -> SearchPage:
    spec = profile.search
    page = SearchPage()
    links = [response.urljoin(href) for href in texts(response.selector, spec.result_link)]
    shot = None
    for slot in spec.ads:
        for node in response.css(slot.css):
            shot = shot or capture(response)
            where = f"search.ads.{slot.slot}"
            href = first_text(node, slot.link)
            target = response.urljoin(href) if href else None
            label = first_text(node, slot.label) if slot.label else ""
            page.ads.append(
                AdItem(
                    platform=profile.code,
                    external_id=_require(response, f"{where}.id", first_text(node, slot.id)),
                    slot=slot.slot,
                    text=_require(response, f"{where}.text", first_text(node, slot.text)),
                    target_url=target,
                    target_external_id=(
                        external_id(target, profile.listing.id_pattern) if target else None
                    ),
                    labelled=slot.label_text in label,
                    page=shot,
                )
            )
            if target:
                links.append(target)
    listing_pattern = profile.listing.id_pattern
    page.listing_urls = list(
        dict.fromkeys(u for u in links if external_id(u, listing_pattern) is not None)
    )
    next_href = first_text(response.selector, spec.next_page)
    page.next_url = response.urljoin(next_href) if next_href else None
    return page


def needs_render(response: TextResponse, rule_css: str | None) -> bool:
    """True when the plain page matches the profile's render rule and was not rendered yet."""
    return bool(rule_css) and "playwright" not in response.flags and bool(response.css(rule_css))


def extract_listing(response: TextResponse, profile: PlatformProfile) -> ListingItem:
    spec = profile.listing
    f = spec.fields
    sel = response.selector
    shop_href = first_text(sel, f.shop_link)
    shop_url = response.urljoin(shop_href) if shop_href else None
    return ListingItem(
        platform=profile.code,
        url=response.url,
        external_id=_require(response, "listing.id", external_id(response.url, spec.id_pattern)),
        title=_require(response, "listing.fields.title", first_text(sel, f.title)),
        description="\n".join(texts(sel, f.description)),
        price=parse_price(first_text(sel, f.price)),
        original_price=parse_price(first_text(sel, f.original_price)),
        category=first_text(sel, f.category),
        ship_from=first_text(sel, f.ship_from),
        shop_url=shop_url,
        shop_external_id=external_id(shop_url, profile.shop.id_pattern) if shop_url else None,
        page=capture(response),
    )


def extract_shop(response: TextResponse, profile: PlatformProfile) -> ShopItem:
    spec = profile.shop
    f = spec.fields
    sel = response.selector
    has_text_licence = bool(f.licence and sel.css(f.licence))
    has_image_licence = bool(f.licence_image and sel.css(f.licence_image))
    categories = first_text(sel, f.categories)
    company = strip_label(first_text(sel, f.company))
    return ShopItem(
        platform=profile.code,
        url=response.url,
        external_id=_require(response, "shop.id", external_id(response.url, spec.id_pattern)),
        name=_require(response, "shop.fields.name", first_text(sel, f.name)),
        shop_text="\n".join(texts(sel, f.text)),
        categories=split_list(categories) if categories else [],
        licence_present=has_text_licence or has_image_licence,
        licence_image_only=has_image_licence and not has_text_licence,
        uscc=parse_uscc(first_text(sel, f.uscc)),
        company_name=company or None,
        permits=[label_of(p) for p in texts(sel, f.permits)],
        page=capture(response),
    )
