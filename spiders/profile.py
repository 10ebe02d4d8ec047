"""Platform profiles: how the generic spider crawls one platform, read from YAML.

A profile names the search URL template and how result pages follow each other, the browse
start URLs, where results, ad slots, listing and shop fields are (CSS, XPath, a regex or a
JSON path into the page's data: ``spiders.picks``), which pages need a browser, what a block
looks like and how politely to crawl. Every key is checked (``extra="forbid"``) and every
expression is compiled at load time, so a typo fails before a sweep starts, with the file
and the field named.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from rules.errors import field_problems
from spiders.picks import Css, DataSource, JsonPath, PickSpec, ValueRegex, check_regex

PROFILES_DIR = Path(__file__).parent / "profiles"


class ProfileError(ValueError):
    """A profile that cannot be used; ``str()`` is ``file: field: message``."""

    def __init__(self, path: Path | str, field: str, message: str) -> None:
        self.path, self.field, self.message = Path(path), field, message
        where = f"{self.path.name}: {field}" if field else self.path.name
        super().__init__(f"{where}: {message}")


def _id_regex(value: str) -> str:
    if "id" not in re.compile(check_regex(value)).groupindex:
        raise ValueError(f"pattern {value!r} needs a named group (?P<id>...)")
    return value


IdPattern = Annotated[str, AfterValidator(_id_regex)]
OptionalPick = PickSpec | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def __deepcopy__(self, memo: dict | None = None) -> _Strict:
        """Frozen, so a copy is the profile itself: Scrapy deep-copies its settings, which
        hold the profile, twice a crawl."""
        return self


def _pick(description: str, required: bool = False) -> Any:
    return Field(... if required else None, description=description)


class ListingFields(_Strict):
    """Where a listing's (商品) fields are: CSS selectors or picks."""

    title: PickSpec = _pick("The listing's title (商品标题); a page without it fails.", True)
    price: OptionalPick = _pick("The current price; its first number is read (¥1,299.00 -> 1299).")
    original_price: OptionalPick = _pick(
        "The struck-through original price (划线价), read like price."
    )
    sales: OptionalPick = _pick("Sales shown (销量, 7261人付款, 1.2万+); its number is read.")
    availability: OptionalPick = _pick(
        "Stock or sale status shown (库存 12件, 已下架, 售罄); a text saying it is not for sale "
        "(下架, 售罄, 缺货, 无货, 停售, 库存 0) marks the listing unavailable."
    )
    category: OptionalPick = _pick("The listing's category (商品类目).")
    ship_from: OptionalPick = _pick(
        "Where the goods ship from (发货地), e.g. 湖北 鄂州; gives the 属地."
    )
    description: OptionalPick = _pick(
        "The description (商品详情); every match is kept, one per line."
    )
    shop_name: OptionalPick = _pick("The seller's shop name as shown with the listing.")
    shop_link: OptionalPick = _pick("The URL of the seller's shop page.")


class ShopFields(_Strict):
    """Where a shop's (店铺) fields are: CSS selectors or picks."""

    name: PickSpec = _pick("The shop's name (店铺名称); a page without it fails.", True)
    text: PickSpec = _pick(
        "Everything shown on the page that rules read (name, intro, licence block).", True
    )
    categories: OptionalPick = _pick("The 主营类目 line; its label is stripped.")
    licence: OptionalPick = _pick("The licence block shown as text.")
    licence_image: OptionalPick = _pick("The licence shown as an image.")
    company: OptionalPick = _pick(
        "The company name on the licence (企业名称); its label is stripped."
    )
    uscc: OptionalPick = _pick(
        "The 统一社会信用代码 shown; its label and inner spaces are removed."
    )
    permits: OptionalPick = _pick("Each permit line, e.g. 食品经营许可证：JY1….")
    licence_address: OptionalPick = _pick(
        "The address on the licence (住所); its label is stripped. Without it the address is "
        "read from the shop text when a licence there shows one."
    )


class AdSlot(_Strict):
    """One kind of paid placement on a search page."""

    slot: Literal["promoted", "banner"] = Field(description="Kind of placement.")
    each: PickSpec = Field(
        description="Selects each slot on the page: elements (CSS, XPath) or JSON values."
    )
    id: PickSpec = _pick(
        "Inside the slot: the creative's stable id, e.g. ::attr(data-ad-id).", True
    )
    text: PickSpec = _pick("Inside the slot: the text the ad shows.", True)
    link: OptionalPick = _pick("Inside the slot: the target URL.")
    listing_id: OptionalPick = _pick(
        "Inside the slot: the id of the listing advertised, where the link does not show it."
    )
    label: OptionalPick = _pick("Inside the slot: the visible ad label; its absence is a finding.")
    label_text: str = Field(
        "广告", description="Text the label must contain to count ('': any label found)."
    )


class Politeness(_Strict):
    """How hard a sweep may press this platform (the settings give the defaults)."""

    concurrency: int | None = Field(None, ge=1, le=64, description="Requests at a time.")
    delay_s: float | None = Field(
        None, ge=0, description="Seconds between two requests to the platform."
    )
    autothrottle: bool = Field(
        False, description="Adapt the delay to the platform's response times (AutoThrottle)."
    )
    user_agent: str | None = Field(None, description="User-Agent header sent to the platform.")


class BlockSpec(_Strict):
    """What a block or a login wall looks like: such a page is never read as a result."""

    status: list[int] = Field(
        default_factory=lambda: [403, 429],
        description="Statuses that mean the platform refuses the crawler.",
    )
    url: list[ValueRegex] = Field(
        default_factory=list,
        description="Regexes on the final URL, e.g. /login or /captcha, of a wall redirected to.",
    )
    text: list[str] = Field(
        default_factory=lambda: ["验证码", "请登录", "访问过于频繁", "访问受限"],
        description="Text shown on a block page (looked for in the page title and the "
        "start of its text).",
    )
    give_up_after: int = Field(
        5, ge=1, description="Blocked pages in a row after which the sweep stops as blocked."
    )
    backoff_s: float = Field(
        30.0, ge=0, description="Seconds added to the delay each time a block is seen."
    )


class SearchItems(_Strict):
    """Listings read from the result page itself (its script's JSON, or a full grid)."""

    each: PickSpec = Field(description="Selects each result: elements or JSON values.")
    id: PickSpec = _pick("Inside a result: the listing's id on the platform.", True)
    url: OptionalPick = _pick("Inside a result: the listing page's URL.")
    fields: ListingFields = Field(description="Inside a result: the listing's fields.")


class SearchSpec(_Strict):
    """How to find goods: the search and browse pages, their results, pagination and ads."""

    url: str = Field(
        description="Search URL template with {keyword} and {page} or {offset}, relative "
        "to base_url."
    )
    first_page: int = Field(1, ge=0, description="Number of the first result page.")
    browse: list[str] = Field(
        default_factory=list, description="Start URLs that list goods without a keyword."
    )
    data: DataSource | None = Field(
        None, description="Where a result page keeps its data as JSON, for json picks."
    )
    result_link: OptionalPick = _pick("Selects the URL of every result on a search page.")
    items: SearchItems | None = Field(
        None, description="Listings read from the result page itself, without opening them."
    )
    pages: Literal["next_link", "number", "offset"] | None = Field(
        None,
        description="How result pages follow each other: a next link, page numbers in the "
        "URL ({page}), or an offset ({offset}); by default, as the keys given imply.",
    )
    next_page: OptionalPick = _pick("Selects the URL of the next result page.")
    page_size: int | None = Field(None, ge=1, description="Results per page, for {offset}.")
    max_pages: int = Field(100, ge=1, description="Result pages read per keyword at most.")
    more: OptionalPick = _pick(
        "Whether more result pages follow (empty, false or 0: the last page)."
    )
    ads: list[AdSlot] = Field(default_factory=list, description="Paid placements on search pages.")

    @model_validator(mode="after")
    def _paging(self) -> SearchSpec:
        if self.result_link is None and self.items is None:
            raise ValueError("give result_link (links to listing pages) or items (or both)")
        kind = self.paging
        if kind == "next_link" and self.next_page is None:
            raise ValueError("pages: next_link needs next_page")
        if kind == "number" and "{page}" not in self.url:
            raise ValueError("pages: number needs {page} in url")
        if kind == "offset" and ("{offset}" not in self.url or self.page_size is None):
            raise ValueError("pages: offset needs {offset} in url and page_size")
        try:
            self.url.format(keyword="k", page=1, offset=0)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"url: only {{keyword}}, {{page}} and {{offset}}: {exc}") from None
        return self

    @property
    def paging(self) -> str | None:
        """How result pages follow each other; None: only the first is read."""
        if self.pages is not None:
            return self.pages
        if self.next_page is not None:
            return "next_link"
        if "{offset}" in self.url and self.page_size is not None:
            return "offset"
        return "number" if "{page}" in self.url and self.more is not None else None


#: Listing fields an API read can fill (``ApiRead.fields``): those read as text or a number.
API_FIELDS = (
    "title",
    "price",
    "original_price",
    "sales",
    "availability",
    "category",
    "ship_from",
    "description",
    "shop_name",
)


class ApiRead(_Strict):
    """The JSON endpoint a page's script fetches to fill in what the plain page leaves empty:
    read with a plain request instead of rendering the page in Chromium, its fields merged
    into what the plain page showed."""

    url: str | None = Field(
        None,
        description="URL of the endpoint, relative to the page, with {id} for the page's id "
        "(its id_pattern's group), e.g. /api/price/{id}.",
    )
    link: OptionalPick = _pick(
        "Instead of url: where the plain page names the endpoint, e.g. "
        "span.price::attr(data-price-src)."
    )
    fields: dict[str, JsonPath] = Field(
        min_length=1,
        description="Listing field -> JMESPath into the endpoint's JSON, read as the field's "
        "selector would be on the page (a price's first number, a count, a stock text), e.g. "
        "price: price. Fields not named keep what the plain page showed. One of: "
        + ", ".join(API_FIELDS)
        + ".",
    )

    @model_validator(mode="after")
    def _one_endpoint(self) -> ApiRead:
        if (self.url is None) == (self.link is None):
            raise ValueError("give url (a template with {id}) or link (a pick), not both")
        if self.url is not None:
            try:
                self.url.format(id="x")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"url: only {{id}}: {exc}") from None
        unknown = [name for name in self.fields if name not in API_FIELDS]
        if unknown:
            raise ValueError(
                f"fields: not a listing field an API can fill: {', '.join(unknown)} "
                f"(one of {', '.join(API_FIELDS)})"
            )
        return self


class RenderRule(_Strict):
    """When a page must be fetched again through Chromium, and what to wait for there."""

    when: Css = Field(description="Re-fetch through the browser when this matches the plain page.")
    wait_for: Css | None = Field(
        None, description="In the browser, wait until this selector is present."
    )
    timeout_ms: int = Field(10_000, gt=0, description="How long to wait for wait_for.")
    api: ApiRead | None = Field(
        None,
        description="Listing pages only: the JSON endpoint the page's script reads. A page "
        "the rule matches is completed from it with a plain request, without Chromium; when "
        "the endpoint fails or shows none of the fields, the page is rendered after all "
        "(WANGJIAN_RENDER_API=false renders every such page, to compare or for a rendered "
        "screenshot).",
    )


class ListingSpec(_Strict):
    """Which URLs are listing pages, what to read on them and when they need a browser."""

    id_pattern: IdPattern = Field(
        description="Regex with a group (?P<id>...) on the URL path, or on path?query."
    )
    data: DataSource | None = Field(
        None, description="Where a listing page keeps its data as JSON, for json picks."
    )
    fields: ListingFields = Field(description="Where the listing's fields are.")
    render: RenderRule | None = Field(
        None, description="When a listing page needs Chromium; none: never."
    )


class ShopSpec(_Strict):
    """Which URLs are shop pages, what to read on them and when they need a browser."""

    id_pattern: IdPattern = Field(
        description="Regex with a group (?P<id>...) for the shop's id, on the URL path or "
        "on path?query."
    )
    data: DataSource | None = Field(
        None, description="Where a shop page keeps its data as JSON, for json picks."
    )
    fields: ShopFields = Field(description="Where the shop's fields are.")
    render: RenderRule | None = Field(
        None, description="When a shop page needs Chromium; none: never."
    )

    @model_validator(mode="after")
    def _no_api(self) -> ShopSpec:
        if self.render is not None and self.render.api is not None:
            raise ValueError("render.api: only listing pages are completed from an API")
        return self


class PlatformProfile(_Strict):
    """How the generic spider crawls one platform (平台)."""

    code: str = Field(
        pattern=r"^[a-z0-9_-]+$", description="Short platform code used in the store."
    )
    name: str = Field(description="Platform name as regulators know it.")
    base_url: str = Field(description="Site root; overridable at run time.")
    obey_robots: bool = Field(
        True, description="Fetch only what the site's robots.txt allows (false: ignore it)."
    )
    politeness: Politeness = Field(
        default_factory=Politeness, description="Concurrency, delay and User-Agent."
    )
    blocked: BlockSpec = Field(
        default_factory=BlockSpec, description="What a block or login wall looks like."
    )
    search: SearchSpec = Field(description="Search and browse pages: where a sweep starts.")
    listing: ListingSpec | None = Field(
        None, description="Listing (商品) pages; none when results are read from search pages."
    )
    shop: ShopSpec | None = Field(None, description="Shop (店铺) pages; none: not read.")

    @model_validator(mode="after")
    def _listing_pages(self) -> PlatformProfile:
        if self.search.result_link is not None and self.listing is None:
            raise ValueError("search.result_link needs listing (how to read listing pages)")
        return self

    def listing_fields(self) -> list[str]:
        """The listing fields the profile reads (on listing pages or in search results),
        in the order of ``ListingFields``."""
        read = [spec.fields for spec in (self.listing, self.search.items) if spec is not None]
        return [
            name
            for name in ListingFields.model_fields
            if any(getattr(fields, name) is not None for fields in read)
        ]

    def with_base_url(self, base_url: str | None) -> PlatformProfile:
        """The same profile pointed at another site root (e.g. a demo server's port)."""
        return self.model_copy(update={"base_url": base_url}) if base_url else self


def load_profile(path: Path | str) -> PlatformProfile:
    """Read and check one profile file; a bare name like ``demo`` means a shipped profile."""
    path = Path(path)
    if not path.suffix and not path.exists():
        path = PROFILES_DIR / f"{path.name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(path, "", f"cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else "yaml"
        raise ProfileError(path, where, str(getattr(exc, "problem", exc))) from None
    if not isinstance(data, dict):
        raise ProfileError(path, "", "expected a mapping at the top level")
    try:
        return PlatformProfile.model_validate(data)
    except ValidationError as exc:
        first = field_problems(exc)[0]
        raise ProfileError(path, first.field, first.message) from None
