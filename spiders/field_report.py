"""What each selector of a profile extracted from one page, for people checking a profile.

``field_report`` reads a page the way ``spiders.extract`` does and says, selector by selector,
what was found; ``render_report`` prints that as plain text for ``wangjian profile check``.
Both are pure: nothing is fetched here.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.http import TextResponse

from rules.terminal import escape_controls, shorten
from spiders.extract import external_id, first_text, page_kind, texts
from spiders.profile import ListingFields, PlatformProfile, ShopFields

#: Marks in the report: a required field that found nothing, an optional one, no selector.
MISSING = "✗ 缺失"
EMPTY = "（空）"
UNSET = "（未设置）"
#: Longest value shown, in characters (the cut ends with …), and values shown per field.
MAX_VALUE = 60
MAX_VALUES = 5

#: Fields whose absence makes extraction fail (``spiders.extract`` raises ExtractionError).
_REQUIRED = {"listing.id", "listing.fields.title", "shop.id", "shop.fields.name"}
#: Shop fields read by presence only: an element without text (an <img>) still counts.
_PRESENCE = {"licence", "licence_image"}


@dataclass(frozen=True)
class FieldReading:
    """What one selector of the profile found on a page.

    ``values`` are what ``spiders.extract.texts`` found, in page order, empty when nothing;
    inside an ad slot, one value per slot element on the page ("" where that element has
    none). ``selector`` is None when the profile sets none. ``required``: extraction of the
    page fails when this finds nothing.
    """

    field: str
    selector: str | None
    values: list[str]
    required: bool

    @property
    def missing(self) -> bool:
        """A required field that found nothing (on some ad slot element, for an ad's field)."""
        return self.required and (not self.values or "" in self.values)


def field_report(response: TextResponse, profile: PlatformProfile) -> list[FieldReading]:
    """Every selector of the profile for this kind of page, with what it found here."""
    kind = page_kind(response.url, profile)
    if kind == "search":
        return _search(response, profile)
    if kind == "listing":
        spec = profile.listing
        return [_id_reading("listing", response.url, spec.id_pattern)] + _fields(
            response, "listing", spec.fields
        )
    if kind == "shop":
        spec = profile.shop
        return [_id_reading("shop", response.url, spec.id_pattern)] + _fields(
            response, "shop", spec.fields
        )
    return []


def _reading(name: str, selector: str | None, values: list[str]) -> FieldReading:
    return FieldReading(name, selector, values, name in _REQUIRED)


def _id_reading(kind: str, url: str, pattern: str) -> FieldReading:
    found = external_id(url, pattern)
    return _reading(f"{kind}.id", pattern, [found] if found else [])


def _fields(
    response: TextResponse, kind: str, fields: ListingFields | ShopFields
) -> list[FieldReading]:
    readings = []
    for name in type(fields).model_fields:
        css = getattr(fields, name)
        values = texts(response.selector, css)
        if not values and css and kind == "shop" and name in _PRESENCE:
            # Read by presence: show each element matched, e.g. <img>.
            values = [f"<{node.root.tag}>" for node in response.css(css)]
        readings.append(_reading(f"{kind}.fields.{name}", css, values))
    return readings


def _search(response: TextResponse, profile: PlatformProfile) -> list[FieldReading]:
    spec = profile.search
    sel = response.selector
    readings = [
        _reading("search.result_link", spec.result_link, texts(sel, spec.result_link)),
        _reading("search.next_page", spec.next_page, texts(sel, spec.next_page)),
    ]
    for slot in spec.ads:
        where = f"search.ads.{slot.slot}"
        nodes = response.css(slot.css)
        readings.append(_reading(f"{where}.css", slot.css, texts(sel, slot.css)))
        for key in ("id", "text", "link", "label"):
            css = getattr(slot, key)
            found = [first_text(node, css) for node in nodes] if css else []
            values = found if any(found) else []
            # An ad without its id or text fails extraction, when the slot is on the page.
            required = key in ("id", "text") and bool(nodes)
            readings.append(FieldReading(f"{where}.{key}", css, values, required))
    return readings


# -- text ---------------------------------------------------------------------------------


def _shown(value: str) -> str:
    if not value:
        return EMPTY
    return shorten(value, MAX_VALUE)


def _values(reading: FieldReading) -> str:
    if reading.selector is None:
        return UNSET
    if not reading.values:
        return MISSING if reading.required else EMPTY
    shown = [_shown(v) for v in reading.values[:MAX_VALUES]]
    if len(reading.values) > MAX_VALUES:
        shown.append(f"…（共 {len(reading.values)} 项）")
    line = " | ".join(shown)
    return f"{line}  {MISSING}" if reading.missing else line


def render_report(readings: list[FieldReading]) -> str:
    """One line per field, ``field  selector  →  value(s)``; seller text is escaped."""
    if not readings:
        return ""
    rows = [
        (escape_controls(r.field), escape_controls(r.selector or "—"), _values(r)) for r in readings
    ]
    width = max(len(f) for f, _, _ in rows)
    css_width = min(max(len(c) for _, c, _ in rows), 40)
    lines = [f"{f.ljust(width)}  {c.ljust(css_width)}  →  {v}" for f, c, v in rows]
    return "\n".join(lines) + "\n"
