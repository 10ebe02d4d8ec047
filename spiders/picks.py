"""Picks: how a profile says where a value is on a page, and reading values with them.

A pick is a CSS selector (the short form, a plain string), or a mapping with one of ``css``,
``xpath`` or ``json`` (a JMESPath expression into the page's JSON: the body of a JSON
response, or the object a script assigns, e.g. ``window.__INITIAL_STATE__ = {…}``), and
optionally ``regex``, which keeps from each value what its first group (or the whole match)
finds. ``regex`` alone searches the page's source. Every expression is compiled when the
profile is loaded, so a typo fails before anything is fetched.

Reading is pure: ``Scope`` is what a pick reads (an HTML node, a JSON value, the page's
source), and ``values`` gives the strings a pick finds there, in page order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Annotated, Any

import jmespath
from cssselect import SelectorError
from jmespath.exceptions import JMESPathError
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from scrapy.http import TextResponse

_TRANSLATOR = HTMLTranslator()
# HTML whitespace only, as a browser collapses it: U+3000 and other spaces a seller typed
# (象\u3000牙) are the seller's text and stay for the rules to see.
HTML_SPACE = " \t\n\r\f"
_SPACE = re.compile(f"[{HTML_SPACE}]+")
#: Content types read as JSON documents (an API a page's script calls).
_JSON_TYPES = re.compile(rb"^\s*(application|text)/([\w.+-]*\+)?json\b", re.I)


def _compiles(what: str, compile_: Callable[[str], Any], errors, detail=str):
    """A validator: the value as is when ``compile_`` takes it, else ``bad WHAT 'value': …``."""

    def check(value: str) -> str:
        try:
            compile_(value)
        except errors as exc:
            raise ValueError(f"bad {what} {value!r}: {detail(exc)}") from None
        return value

    return check


_css = _compiles("CSS selector", _TRANSLATOR.css_to_xpath, SelectorError)
_xpath = _compiles("XPath", etree.XPath, etree.XPathSyntaxError)
_jmespath = _compiles(
    "JSON path", jmespath.compile, JMESPathError, lambda exc: str(exc).splitlines()[0]
)
check_regex = _compiles("regular expression", re.compile, re.error)


Css = Annotated[str, AfterValidator(_css)]
XPath = Annotated[str, AfterValidator(_xpath)]
JsonPath = Annotated[str, AfterValidator(_jmespath)]
ValueRegex = Annotated[str, AfterValidator(check_regex)]


class Pick(BaseModel):
    """Where a value is: one of css, xpath or json, and/or a regex applied to what it found."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    css: Css | None = Field(None, description="CSS selector; ::text and ::attr(name) work.")
    xpath: XPath | None = Field(None, description="XPath expression, e.g. //h1/text().")
    jpath: JsonPath | None = Field(
        None,
        alias="json",
        description="JMESPath into the page's JSON (a JSON response or a script's data).",
    )
    regex: ValueRegex | None = Field(
        None,
        description="Keeps what its first group (or the whole match) finds in each value; "
        "alone, it searches the page's source.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Pick:
        named = {"css": self.css, "xpath": self.xpath, "json": self.jpath}
        sources = [k for k, v in named.items() if v is not None]
        if len(sources) > 1:
            raise ValueError(f"give one of css, xpath and json, not {' and '.join(sources)}")
        if not sources and self.regex is None:
            raise ValueError("give css, xpath, json or regex")
        return self

    def describe(self) -> str:
        """The pick as a person wrote it, for reports."""
        named = {"css": self.css, "xpath": self.xpath, "json": self.jpath, "regex": self.regex}
        return ", ".join(f"{k}: {v}" for k, v in named.items() if v is not None)


def _short_form(value: Any) -> Any:
    """A plain string is a CSS selector: checked here, so its error names the field itself."""
    return Pick(css=_css(value)) if isinstance(value, str) else value


#: What a profile field holds: a CSS selector (the short form) or a full pick.
PickSpec = Annotated[Pick, BeforeValidator(_short_form, json_schema_input_type=str | Pick)]


def as_pick(spec: Pick | str | None) -> Pick | None:
    return _short_form(spec)


def describe(spec: Pick | str | None) -> str | None:
    """The pick as a person wrote it: the selector alone for the short form."""
    pick = as_pick(spec)
    if pick is None:
        return None
    only_css = pick.css is not None and pick.regex is None
    return pick.css if only_css else pick.describe()


class DataSource(BaseModel):
    """Where a page keeps its data as JSON, for ``json`` picks on an HTML page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    script: str = Field(
        min_length=1,
        description="Text just before the JSON in the page source, e.g. "
        "window.__INITIAL_STATE__ or g_page_config: the object or array after it is read.",
    )


# -- reading ------------------------------------------------------------------------------


def is_json(response: TextResponse) -> bool:
    """Whether the response is a JSON document (by its Content-Type)."""
    return bool(_JSON_TYPES.match(response.headers.get(b"Content-Type") or b""))


def embedded_json(source: str, marker: str) -> Any:
    """The JSON object or array that follows ``marker`` in ``source``; None if none parses."""
    decoder = json.JSONDecoder()
    start = source.find(marker)
    while start >= 0:
        at = start + len(marker)
        found = [i for i in (source.find("{", at), source.find("[", at)) if i >= 0]
        opening = min(found, default=-1)
        if opening >= 0:
            try:
                return decoder.raw_decode(source, opening)[0]
            except ValueError:
                pass
        start = source.find(marker, at)
    return None


class DataError(ValueError):
    """The page's JSON could not be read where the profile says it is."""


@dataclass
class Page:
    """One response as picks read it: its HTML, its source text and its JSON data."""

    response: TextResponse
    source: DataSource | None = None

    @property
    def selector(self) -> Selector:
        return self.response.selector

    @cached_property
    def data(self) -> Any:
        if is_json(self.response):
            try:
                return json.loads(self.response.text)
            except ValueError as exc:
                raise DataError(f"the JSON response does not parse: {exc}") from None
        if self.source is None:
            return None
        found = embedded_json(self.response.text, self.source.script)
        if found is None:
            raise DataError(f"no JSON after {self.source.script!r} in the page")
        return found

    def scope(self) -> Scope:
        return Scope(self, None if is_json(self.response) else self.selector, None)


@dataclass
class Scope:
    """Where picks read: the page, and the HTML node or JSON value they are relative to.

    ``node`` is an HTML element (or the document); ``item`` a JSON value inside the page's
    data (one search result), which ``json`` picks read instead of the whole data.
    """

    page: Page | None
    node: Selector | None
    item: Any = None

    @classmethod
    def of(cls, node: Selector) -> Scope:
        """An HTML node alone, without a page's JSON or source (generic pages)."""
        return cls(None, node)

    def json_root(self) -> Any:
        if self.item is not None:
            return self.item
        return self.page.data if self.page is not None else None

    def each(self, spec: PickSpec) -> list[Scope]:
        """One scope per element (css, xpath) or JSON value (json) the pick selects."""
        pick = as_pick(spec)
        assert pick is not None
        if pick.jpath is not None:
            found = jmespath.search(pick.jpath, self.json_root())
            found = found if isinstance(found, list) else [] if found is None else [found]
            return [Scope(self.page, None, value) for value in found if value is not None]
        if self.node is None:
            return []
        nodes = self.node.css(pick.css) if pick.css else self.node.xpath(pick.xpath or ".")
        return [Scope(self.page, node) for node in nodes]

    def has(self, spec: PickSpec | None) -> bool:
        """Whether the pick matches anything here (an element without text counts)."""
        pick = as_pick(spec)
        if pick is None:
            return False
        if pick.css is not None or pick.xpath is not None:
            return bool(self.each(pick))
        return bool(values(self, pick))


#: An element's text, as ``.//text()`` gives it, read by lxml without a Selector per piece.
_TEXTS = etree.XPath(".//text()", smart_strings=False)


def _text(value: Any) -> str:
    """What a selected value reads as: an element its text, else (::text, ::attr(), an
    XPath value) the value itself."""
    if not isinstance(value, etree._Element):
        return _scalar(value)
    return "".join(_TEXTS(value))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _flat(found: Any) -> list[str]:
    if found is None:
        return []
    if isinstance(found, list):
        return [_scalar(v) for v in found if v is not None]
    return [_scalar(found)]


@lru_cache(maxsize=1024)
def _css_xpath(css: str) -> etree.XPath:
    """A CSS pick as the XPath parsel would evaluate (``::text`` and ``::attr`` included),
    compiled once: read on the element itself, no Selector is made for each value."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(css), smart_strings=False)


def css_matches(node: Selector, css: str) -> bool:
    """Whether the CSS selector matches anything under ``node`` (compiled once)."""
    if not isinstance(node.root, etree._Element):  # a JSON or text document
        return bool(node.css(css))
    return bool(_css_xpath(css)(node.root))


def _raw(scope: Scope, pick: Pick) -> list[str]:
    if pick.jpath is not None:
        return _flat(jmespath.search(pick.jpath, scope.json_root()))
    if pick.css is None and pick.xpath is None:
        return [scope.page.response.text] if scope.page else []  # regex alone: the source
    if scope.node is None:
        return []
    if pick.css is not None and isinstance(scope.node.root, etree._Element):
        return [_text(v) for v in _css_xpath(pick.css)(scope.node.root)]
    nodes = scope.node.css(pick.css) if pick.css else scope.node.xpath(pick.xpath or "")
    return [_text(node.root) for node in nodes]


def values(scope: Scope, spec: PickSpec | None) -> list[str]:
    """What the pick finds here, whitespace collapsed, empty values dropped."""
    pick = as_pick(spec)
    if pick is None:
        return []
    found = _raw(scope, pick)
    if pick.regex is not None:
        pattern = re.compile(pick.regex)
        kept = []
        for value in found:
            for match in pattern.finditer(value):
                kept.append(match.group(1) if pattern.groups else match.group())
                if pick.css is not None or pick.xpath is not None or pick.jpath is not None:
                    break  # one value per element; alone, every match in the source
        found = kept
    if pick.jpath is not None:  # JSON text is the seller's as typed, not HTML to collapse
        cleaned = (v.strip() for v in found)
    else:
        cleaned = (_SPACE.sub(" ", v).strip(HTML_SPACE) for v in found)
    return [v for v in cleaned if v]


def first(scope: Scope, spec: PickSpec | None) -> str:
    found = values(scope, spec)
    return found[0] if found else ""
