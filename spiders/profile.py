"""Platform profiles: how the generic spider crawls one platform, read from YAML.

A profile names the search URL template, the browse start URLs, the CSS selectors for search
results, ad slots, listing and shop fields, and which pages need a browser. Every key is
checked (``extra="forbid"``) and every selector is compiled at load time, so a typo fails
before a sweep starts, with the file and the field named.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from cssselect import SelectorError
from parsel.csstranslator import HTMLTranslator
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from rules.errors import field_problems

PROFILES_DIR = Path(__file__).parent / "profiles"
_TRANSLATOR = HTMLTranslator()


class ProfileError(ValueError):
    """A profile that cannot be used; ``str()`` is ``file: field: message``."""

    def __init__(self, path: Path | str, field: str, message: str) -> None:
        self.path, self.field, self.message = Path(path), field, message
        where = f"{self.path.name}: {field}" if field else self.path.name
        super().__init__(f"{where}: {message}")


def _css(value: str) -> str:
    try:
        _TRANSLATOR.css_to_xpath(value)
    except SelectorError as exc:
        raise ValueError(f"bad CSS selector {value!r}: {exc}") from None
    return value


def _regex(value: str) -> str:
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise ValueError(f"bad regular expression {value!r}: {exc}") from None
    if "id" not in pattern.groupindex:
        raise ValueError(f"pattern {value!r} needs a named group (?P<id>...)")
    return value


Css = Annotated[str, AfterValidator(_css)]
IdPattern = Annotated[str, AfterValidator(_regex)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AdSlot(_Strict):
    """One kind of paid placement on a search page."""

    slot: Literal["promoted", "banner"] = Field(description="Kind of placement.")
    css: Css = Field(description="Selects each slot element on the page.")
    id: Css = Field(
        description="Inside the slot: the creative's stable id, e.g. ::attr(data-ad-id)."
    )
    text: Css = Field(description="Inside the slot: the text the ad shows.")
    link: Css | None = Field(None, description="Inside the slot: the target URL.")
    label: Css | None = Field(
        None, description="Inside the slot: the visible ad label; its absence is a finding."
    )
    label_text: str = Field("广告", description="Text the label must contain to count.")


class SearchSpec(_Strict):
    """How to find goods: the search and browse pages, their results, pagination and ads."""

    url: str = Field(
        description="Search URL template with {keyword} and {page}, relative to base_url."
    )
    first_page: int = Field(1, ge=0, description="Number of the first result page.")
    browse: list[str] = Field(
        default_factory=list, description="Start URLs that list goods without a keyword."
    )
    result_link: Css = Field(description="Selects the href of every result on a search page.")
    next_page: Css | None = Field(None, description="Selects the href of the next result page.")
    ads: list[AdSlot] = Field(default_factory=list, description="Paid placements on search pages.")


class RenderRule(_Strict):
    """When a page must be fetched again through Chromium, and what to wait for there."""

    when: Css = Field(description="Re-fetch through the browser when this matches the plain page.")
    wait_for: Css | None = Field(
        None, description="In the browser, wait until this selector is present."
    )
    timeout_ms: int = Field(10_000, gt=0, description="How long to wait for wait_for.")


class ListingFields(_Strict):
    """CSS selectors of what a listing (商品) page shows."""

    title: Css = Field(description="The listing's title (商品标题); a page without it fails.")
    price: Css | None = Field(
        None, description="The current price; its first number is read (¥1,299.00 -> 1299)."
    )
    original_price: Css | None = Field(
        None, description="The struck-through original price (划线价), read like price."
    )
    category: Css | None = Field(None, description="The listing's category (商品类目).")
    ship_from: Css | None = Field(
        None, description="Where the goods ship from (发货地), e.g. 湖北 鄂州; gives the 属地."
    )
    description: Css | None = Field(
        None, description="The description (商品详情); every match is kept, one per line."
    )
    shop_link: Css | None = Field(None, description="Selects the href of the seller's shop page.")


class ShopFields(_Strict):
    """CSS selectors of what a shop (店铺) page shows."""

    name: Css = Field(description="The shop's name (店铺名称); a page without it fails.")
    text: Css = Field(
        description="Everything shown on the page that rules read (name, intro, licence block)."
    )
    categories: Css | None = Field(None, description="The 主营类目 line; its label is stripped.")
    licence: Css | None = Field(None, description="The licence block shown as text.")
    licence_image: Css | None = Field(None, description="The licence shown as an image.")
    company: Css | None = Field(
        None, description="The company name on the licence (企业名称); its label is stripped."
    )
    uscc: Css | None = Field(
        None,
        description="The 统一社会信用代码 shown; its label and inner spaces are removed.",
    )
    permits: Css | None = Field(None, description="Each permit line, e.g. 食品经营许可证：JY1….")


class ListingSpec(_Strict):
    """Which URLs are listing pages, what to read on them and when they need a browser."""

    id_pattern: IdPattern = Field(description="Regex on the URL path with a group (?P<id>...).")
    fields: ListingFields = Field(description="Selectors of the listing's fields.")
    render: RenderRule | None = Field(
        None, description="When a listing page needs Chromium; none: never."
    )


class ShopSpec(_Strict):
    """Which URLs are shop pages, what to read on them and when they need a browser."""

    id_pattern: IdPattern = Field(
        description="Regex on the URL path with a group (?P<id>...) for the shop's id."
    )
    fields: ShopFields = Field(description="Selectors of the shop's fields.")
    render: RenderRule | None = Field(
        None, description="When a shop page needs Chromium; none: never."
    )


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
    search: SearchSpec = Field(description="Search and browse pages: where a sweep starts.")
    listing: ListingSpec = Field(description="Listing (商品) pages.")
    shop: ShopSpec = Field(description="Shop (店铺) pages.")

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
