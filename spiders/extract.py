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
from spiders.picks import DataError, Page, PickSpec, Scope, css_matches, first, values
from spiders.profile import ListingFields, PlatformProfile, RenderRule
from spiders.served import served_of

PageKind = Literal["listing", "shop", "search", "page"]

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_TEN_THOUSAND = re.compile(r"(\d+(?:\.\d+)?)\s*万")
_LABEL = re.compile(r"^[^：:]{1,20}[：:]\s*")
_LIST_SEPARATORS = re.compile(r"[\s、,，/;；|]+")
#: Values of a ``more`` pick that mean the last result page.
_NO_MORE = {"", "false", "0", "null", "none", "no"}


class ExtractionError(ValueError):
    """A required field is missing: the page does not have the shape the profile expects."""

    def __init__(self, url: str, field: str, message: str) -> None:
        self.url, self.field, self.message = url, field, message
        super().__init__(f"{url}: {field}: {message}")


@dataclass
class SearchPage:
    listing_urls: list[str] = field(default_factory=list)
    listings: list[ListingItem] = field(default_factory=list)  # read on the page itself
    ads: list[AdItem] = field(default_factory=list)
    next_url: str | None = None
    more: bool = True  # the page does not say it is the last one

    @property
    def results(self) -> int:
        return len(self.listing_urls) + len(self.listings)


# -- field kinds --------------------------------------------------------------------------


def texts(sel: Selector, css: PickSpec | None) -> list[str]:
    """What a CSS selector (or pick) finds in an HTML node, without a page's JSON."""
    return values(Scope.of(sel), css)


def first_text(sel: Selector, css: PickSpec | None) -> str:
    return first(Scope.of(sel), css)


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


def parse_count(text: str) -> int | None:
    """'7261人付款' -> 7261, '1.2万+' -> 12000; None when the text holds no number."""
    text = text.replace(",", "").replace("，", "")
    match = _TEN_THOUSAND.search(text)
    if match:
        return round(float(match.group(1)) * 10_000)
    number = parse_price(text)
    return int(number) if number is not None else None


#: What a page says of a listing that is not for sale now.
_UNAVAILABLE = re.compile(
    r"下架|售罄|售完|缺货|无货|停售|已抢光|暂不销售|不可购买|库存\s*[:：]?\s*0(?!\d)"
)


def parse_availability(text: str) -> bool | None:
    """'已下架', '售罄', '库存 0' -> False; '库存 12件', '有货' -> True; '' -> None (not shown)."""
    if not text.strip():
        return None
    return not _UNAVAILABLE.search(text)


def split_list(text: str) -> list[str]:
    return [part for part in _LIST_SEPARATORS.split(strip_label(text)) if part]


def external_id(url: str, pattern: str) -> str | None:
    """The id ``pattern`` finds in the URL's path, else in its path?query."""
    parts = urlsplit(url)
    match = re.search(pattern, parts.path)
    if match is None and parts.query:
        match = re.search(pattern, f"{parts.path}?{parts.query}")
    return match.group("id") if match else None


def capture(response: Response) -> PageCapture:
    """How ``response`` was served; any response, text or not (an error page, an image)."""
    return PageCapture.of(
        response.url,
        response.status,
        response.body,
        getattr(response, "encoding", None) or "binary",
        rendered="playwright" in response.flags,
        served=served_of(response),
    )


def page_kind(url: str, profile: PlatformProfile | None) -> PageKind:
    """Which of the profile's pages ``url`` is, by its path; 'page' when none or no profile."""
    if profile is None:
        return "page"
    if profile.listing and external_id(url, profile.listing.id_pattern) is not None:
        return "listing"
    if profile.shop and external_id(url, profile.shop.id_pattern) is not None:
        return "shop"
    search_paths = {urlsplit(u).path for u in (profile.search.url, *profile.search.browse)}
    return "search" if urlsplit(url).path in search_paths else "page"


def render_rule(kind: PageKind, profile: PlatformProfile | None) -> RenderRule | None:
    """The profile's rule for when a page of this kind needs Chromium; None if never."""
    spec = None
    if profile is not None:
        spec = {"listing": profile.listing, "shop": profile.shop}.get(kind)
    return spec.render if spec is not None else None


def _require(response: TextResponse, name: str, value: str | None) -> str:
    if not value:
        raise ExtractionError(response.url, name, "required field is missing or empty")
    return value


def _page(response: TextResponse, source) -> Scope:
    """The page's scope, its JSON data read now so that a page without it fails here."""
    page = Page(response, source)
    try:
        page.data  # noqa: B018 - read for its error
    except DataError as exc:
        raise ExtractionError(response.url, "data", str(exc)) from None
    return page.scope()


def listing_id_in(profile: PlatformProfile, url: str | None) -> str | None:
    if url is None or profile.listing is None:
        return None
    return external_id(url, profile.listing.id_pattern)


def shop_id_in(profile: PlatformProfile, url: str | None) -> str | None:
    if url is None or profile.shop is None:
        return None
    return external_id(url, profile.shop.id_pattern)


# -- pages --------------------------------------------------------------------------------


def extract_search(response: TextResponse, profile: PlatformProfile) -> SearchPage:
    spec = profile.search
    scope = _page(response, spec.data)
    page = SearchPage()
    links = [response.urljoin(href) for href in values(scope, spec.result_link)]
    shot = None
    for slot in spec.ads:
        for node in scope.each(slot.each):
            shot = shot or capture(response)
            where = f"search.ads.{slot.slot}"
            href = first(node, slot.link)
            target = response.urljoin(href) if href else None
            label = first(node, slot.label) if slot.label else ""
            page.ads.append(
                AdItem(
                    platform=profile.code,
                    external_id=_require(response, f"{where}.id", first(node, slot.id)),
                    slot=slot.slot,
                    text=_require(response, f"{where}.text", first(node, slot.text)),
                    target_url=target,
                    target_external_id=first(node, slot.listing_id)
                    or listing_id_in(profile, target),
                    labelled=bool(label) and slot.label_text in label,
                    page=shot,
                )
            )
            if target:
                links.append(target)
    if spec.items is not None:
        shot = shot or capture(response)
        items = spec.items
        for node in scope.each(items.each):
            href = first(node, items.url)
            url = response.urljoin(href) if href else response.url
            listing_id = _require(response, "search.items.id", first(node, items.id))
            listing = _listing(
                response, profile, node, items.fields, url, listing_id, shot, "search.items"
            )
            page.listings.append(listing)
    page.listing_urls = list(
        dict.fromkeys(u for u in links if listing_id_in(profile, u) is not None)
    )
    next_href = first(scope, spec.next_page)
    page.next_url = response.urljoin(next_href) if next_href else None
    if spec.more is not None:
        page.more = first(scope, spec.more).lower() not in _NO_MORE
    return page


def needs_render(response: TextResponse, rule_css: str | None) -> bool:
    """True when the plain page matches the profile's render rule and was not rendered yet."""
    if not rule_css or "playwright" in response.flags:
        return False
    return css_matches(response.selector, rule_css)


def _listing(
    response: TextResponse,
    profile: PlatformProfile,
    scope: Scope,
    f: ListingFields,
    url: str,
    listing_id: str,
    shot: PageCapture,
    where: str = "listing",
) -> ListingItem:
    shop_href = first(scope, f.shop_link)
    shop_url = response.urljoin(shop_href) if shop_href else None
    return ListingItem(
        platform=profile.code,
        url=url,
        external_id=listing_id,
        title=_require(response, f"{where}.fields.title", first(scope, f.title)),
        description="\n".join(values(scope, f.description)),
        price=parse_price(first(scope, f.price)),
        original_price=parse_price(first(scope, f.original_price)),
        sales=parse_count(first(scope, f.sales)),
        available=parse_availability(first(scope, f.availability)),
        category=first(scope, f.category),
        ship_from=first(scope, f.ship_from),
        shop_name=first(scope, f.shop_name),
        shop_url=shop_url,
        shop_external_id=shop_id_in(profile, shop_url),
        page=shot,
    )


def extract_listing(response: TextResponse, profile: PlatformProfile) -> ListingItem:
    spec = profile.listing
    assert spec is not None
    listing_id = _require(response, "listing.id", external_id(response.url, spec.id_pattern))
    scope = _page(response, spec.data)
    return _listing(
        response, profile, scope, spec.fields, response.url, listing_id, capture(response)
    )


def extract_shop(response: TextResponse, profile: PlatformProfile) -> ShopItem:
    spec = profile.shop
    assert spec is not None
    f = spec.fields
    shop_id = _require(response, "shop.id", external_id(response.url, spec.id_pattern))
    scope = _page(response, spec.data)
    has_text_licence = scope.has(f.licence)
    has_image_licence = scope.has(f.licence_image)
    categories = first(scope, f.categories)
    company = strip_label(first(scope, f.company))
    address = strip_label(first(scope, f.licence_address))
    return ShopItem(
        platform=profile.code,
        url=response.url,
        external_id=shop_id,
        name=_require(response, "shop.fields.name", first(scope, f.name)),
        shop_text="\n".join(values(scope, f.text)),
        categories=split_list(categories) if categories else [],
        licence_present=has_text_licence or has_image_licence,
        licence_image_only=has_image_licence and not has_text_licence,
        uscc=parse_uscc(first(scope, f.uscc)),
        company_name=company or None,
        licence_address=address or None,
        permits=[label_of(p) for p in values(scope, f.permits)],
        page=capture(response),
    )
