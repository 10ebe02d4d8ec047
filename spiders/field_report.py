"""What each selector of a profile extracted from one page, for people checking a profile.

``field_report`` reads a page the way ``spiders.extract`` does and says, selector by selector,
what was found; ``render_report`` prints that as plain text for ``wangjian profile check``.
Both are pure: nothing is fetched here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from scrapy.http import TextResponse

from rules.terminal import escape_controls, shorten
from spiders.extract import external_id, page_kind
from spiders.picks import DataError, Page, PickSpec, Scope, describe, first, values
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
        spec = profile.search
        scope, data = _scope(response, "search", spec.data)
        return data + (_search(scope, profile) if scope else [])
    if kind in ("listing", "shop"):
        spec = profile.listing if kind == "listing" else profile.shop
        assert spec is not None
        scope, data = _scope(response, kind, spec.data)
        readings = [_id_reading(kind, response.url, spec.id_pattern), *data]
        return readings + (_fields(scope, kind, spec.fields) if scope else [])
    return []


def _scope(response: TextResponse, kind: str, source) -> tuple[Scope | None, list[FieldReading]]:
    """The page's scope, and a reading of its JSON data when the profile names a source."""
    page = Page(response, source)
    try:
        data = page.data
    except DataError:
        return None, [FieldReading(f"{kind}.data", source.script if source else "JSON", [], True)]
    if source is None:
        return page.scope(), []
    return page.scope(), [_reading(f"{kind}.data", source.script, [_json_preview(data)])]


def _json_preview(data) -> str:
    return json.dumps(data, ensure_ascii=False)[: MAX_VALUE * 2]


def _reading(name: str, selector: PickSpec | str | None, found: list[str]) -> FieldReading:
    shown = selector if isinstance(selector, str) or selector is None else describe(selector)
    return FieldReading(name, shown, found, name in _REQUIRED)


def _id_reading(kind: str, url: str, pattern: str) -> FieldReading:
    found = external_id(url, pattern)
    return _reading(f"{kind}.id", pattern, [found] if found else [])


def _fields(scope: Scope, kind: str, fields: ListingFields | ShopFields) -> list[FieldReading]:
    readings = []
    for name in type(fields).model_fields:
        spec = getattr(fields, name)
        found = values(scope, spec)
        if not found and spec and kind == "shop" and name in _PRESENCE:
            # Read by presence: show each element matched, e.g. <img>.
            found = [f"<{node.node.root.tag}>" for node in scope.each(spec) if node.node]
        readings.append(_reading(f"{kind}.fields.{name}", spec, found))
    return readings


def _per_result(
    where: str, nodes: list[Scope], fields: list[tuple[str, PickSpec | None, bool]]
) -> list[FieldReading]:
    """One reading per key, one value per result on the page ("" where it has none)."""
    readings = []
    for key, spec, required in fields:
        found = [first(node, spec) for node in nodes] if spec else []
        # A result without its id or text fails extraction, when there are results.
        readings.append(
            FieldReading(
                f"{where}.{key}",
                describe(spec),
                found if any(found) else [],
                required and bool(nodes),
            )
        )
    return readings


def _search(scope: Scope, profile: PlatformProfile) -> list[FieldReading]:
    spec = profile.search
    readings = [
        _reading("search.result_link", spec.result_link, values(scope, spec.result_link)),
        _reading("search.next_page", spec.next_page, values(scope, spec.next_page)),
    ]
    if spec.more is not None:
        readings.append(_reading("search.more", spec.more, values(scope, spec.more)))
    if spec.items is not None:
        items = spec.items
        nodes = scope.each(items.each)
        readings.append(_reading("search.items.each", items.each, values(scope, items.each)))
        keys = [("id", items.id, True), ("url", items.url, False)] + [
            (f"fields.{name}", getattr(items.fields, name), name == "title")
            for name in type(items.fields).model_fields
        ]
        readings += _per_result("search.items", nodes, keys)
    for slot in spec.ads:
        where = f"search.ads.{slot.slot}"
        nodes = scope.each(slot.each)
        readings.append(_reading(f"{where}.each", slot.each, values(scope, slot.each)))
        keys = [
            ("id", slot.id, True),
            ("text", slot.text, True),
            ("link", slot.link, False),
            ("listing_id", slot.listing_id, False),
            ("label", slot.label, False),
        ]
        readings += _per_result(where, nodes, keys)
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
