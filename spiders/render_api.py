"""Reading a page's JSON endpoint instead of rendering the page (a profile's ``render.api``).

Where a page's script only fetches JSON and writes a few values into the page (the demo's
JS-priced listings fetch ``/api/price/<id>``), Chromium costs ~150 ms of CPU a page to do
what one plain request does. Pure functions: the endpoint's URL from the plain page, and the
listing the plain page showed with the endpoint's fields merged in; the spider routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy.http import Response, TextResponse

from rules.items import ListingItem
from spiders.extract import parse_availability, parse_count, parse_price
from spiders.picks import DataError, Page, Pick, first, is_json, values
from spiders.profile import ApiRead


def _text(found: list[str]) -> str | None:
    return found[0] if found else None


def _number(parse: Callable[[str], Any]) -> Callable[[list[str]], Any]:
    return lambda found: parse(found[0]) if found else None


#: Per field an API can fill: the item's attribute and how the values found are read, as
#: the field's selector is read on a page (``spiders.extract._listing``).
_READ: dict[str, tuple[str, Callable[[list[str]], Any]]] = {
    "title": ("title", _text),
    "price": ("price", _number(parse_price)),
    "original_price": ("original_price", _number(parse_price)),
    "sales": ("sales", _number(parse_count)),
    "availability": ("available", _number(parse_availability)),
    "category": ("category", _text),
    "ship_from": ("ship_from", _text),
    "description": ("description", lambda found: "\n".join(found) if found else None),
    "shop_name": ("shop_name", _text),
}


def api_url(spec: ApiRead, page: TextResponse, page_id: str) -> str | None:
    """The endpoint's absolute URL for this page; None when the page does not name it."""
    if spec.url is not None:
        return page.urljoin(spec.url.format(id=page_id))
    found = first(Page(page).scope(), spec.link)
    return page.urljoin(found) if found else None


def merged(plain: ListingItem, answer: Response, spec: ApiRead) -> ListingItem | None:
    """``plain`` with the fields the endpoint's JSON gives; None when the answer is not JSON
    or shows none of the fields (the endpoint changed: the page is rendered instead)."""
    if answer.status != 200 or not isinstance(answer, TextResponse) or not is_json(answer):
        return None
    page = Page(answer)
    try:
        scope = page.scope()
        page.data  # noqa: B018 - read for its error
    except DataError:
        return None
    update: dict[str, Any] = {}
    for name, path in spec.fields.items():
        attribute, read = _READ[name]
        value = read(values(scope, Pick(jpath=path)))
        if value is not None:
            update[attribute] = value
    if not update:
        return None
    return plain.model_copy(update=update)
