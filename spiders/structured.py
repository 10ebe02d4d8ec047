"""What a page says about its product in structured data, for pages no profile describes:
schema.org JSON-LD and microdata, RDFa and OpenGraph (extruct), read for the title, price,
original price (划线价), currency, seller and brand; prices given as text (¥1,299.00,
NT$ 960, ￥89-129) by price-parser. Pure functions of the HTML.

- JSON-LD is read script by script, so one broken block does not lose the others.
- The page's product is the first ``Product`` (or ``ProductGroup``) that is not reached
  through a list or a neighbour (``itemListElement``, ``isRelatedTo``, ``isSimilarTo`` …):
  a category page or a "customers also bought" block gives no price rather than a
  neighbour's. Without a product, the first other thing that carries ``offers`` (an
  ``Event``'s tickets, a ``Service``).
- RDFa runs only when the page has RDFa markup (``typeof``/``vocab``): it is most of the
  cost on a large page.
- A price of zero or less is no price (a "price on request" placeholder would otherwise
  read as a 100 % discount).

extruct and price-parser load on the first page that needs them (about 0.2 s).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from spiders.picks import HTML_SPACE

#: schema.org price types that mean the crossed-out price (划线价).
LIST_PRICE_TYPES = ("ListPrice", "StrikethroughPrice", "MSRP", "SRP")
#: Types whose offers are the page's product.
PRODUCT_TYPES = ("Product", "ProductGroup", "ProductModel", "IndividualProduct", "Vehicle", "Car")
#: Keys under which schema.org puts other things than the page's product: their products
#: and offers are neighbours, not this page's.
NEIGHBOUR_KEYS = frozenset(
    {
        "itemListElement",
        "item",
        "isRelatedTo",
        "isSimilarTo",
        "isAccessoryOrSparePartFor",
        "isConsumableFor",
        "isVariantOf",
        "relatedLink",
        "mentions",
        "hasPart",
        "isPartOf",
        "subjectOf",
        "review",
        "makesOffer",
        "owns",
    }
)
#: Types whose offers are not one product's (a list of products, a shop).
NOT_A_PRODUCT = frozenset(
    {"ItemList", "OfferCatalog", "BreadcrumbList", "WebSite", "WebPage", "SearchResultsPage"}
)
FIELDS = ("title", "price", "original_price", "currency", "seller", "brand")

# HTML whitespace only, as in spiders.picks: other spaces (U+3000) are the seller's text.
_SPACE = re.compile(f"[{HTML_SPACE}]+")
_NUMBER = re.compile(r"\s*\d+(?:\.\d+)?\s*")
_HAS_RDFA = "//*[@typeof or @vocab]"


@dataclass
class Product:
    title: str = ""
    price: float | None = None
    original_price: float | None = None
    currency: str | None = None
    seller: str | None = None
    brand: str | None = None
    source: str = ""  # json-ld, microdata, rdfa, opengraph: where the price came from


def money(value: Any) -> tuple[float | None, str | None]:
    """An amount and currency out of a number or a price text ('NT$ 1,299', '¥89-129':
    the first amount). Zero or less, or no amount at all, is (None, …)."""
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, int | float):
        return (float(value) if value > 0 else None), None
    text = str(value)
    if _NUMBER.fullmatch(text):  # schema.org's own form: a dot for the decimals
        amount, currency = float(text), None
    else:
        from price_parser import Price

        parsed = Price.fromstring(text)
        amount, currency = parsed.amount_float, parsed.currency
    return (amount if amount is not None and amount > 0 else None), currency


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip(" ")


def _types(item: dict) -> set[str]:
    kind = item.get("@type") or item.get("type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return {re.split(r"[/#]", str(k))[-1] for k in kinds}


def _walk(value: Any, skip: frozenset[str] = frozenset()) -> Iterator[dict]:
    """Every object in a JSON-LD / microdata tree (@graph, nested offers, lists), parents
    first, not descending under the ``skip`` keys."""
    if isinstance(value, dict):
        yield value
        for key, child in value.items():
            if key not in skip:
                yield from _walk(child, skip)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, skip)


def _first(value: Any) -> Any:
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value


def _name(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = _first(value.get("name") or value.get("legalName"))
    if value is None or isinstance(value, dict | bool):
        return None
    return _collapse(str(value)) or None


def _offer_prices(thing: dict) -> tuple[float | None, float | None, str | None]:
    price = original = currency = None
    for offer in _walk(thing.get("offers"), NEIGHBOUR_KEYS):
        if price is None:
            for key in ("price", "lowPrice"):
                amount, symbol = money(_first(offer.get(key)))
                if amount is not None:
                    price, currency = amount, _first(offer.get("priceCurrency")) or symbol
                    break
        for spec in _walk(offer.get("priceSpecification"), NEIGHBOUR_KEYS):
            if price is None and not spec.get("priceType"):
                amount, symbol = money(_first(spec.get("price")))
                if amount is not None:
                    price, currency = amount, _first(spec.get("priceCurrency")) or symbol
            kind = re.split(r"[/#]", str(_first(spec.get("priceType")) or ""))[-1]
            if kind in LIST_PRICE_TYPES and original is None:
                original, _ = money(_first(spec.get("price")))
    return price, original, (str(currency) if currency else None)


def _seller(thing: dict) -> str | None:
    for offer in _walk(thing.get("offers"), NEIGHBOUR_KEYS):
        found = _name(offer.get("seller") or offer.get("offeredBy"))
        if found:
            return found
    return _name(thing.get("seller"))


def _schema_thing(items: list) -> dict | None:
    """The page's product: the first Product-like item not under a list or a neighbour (an
    Offer's ``itemOffered`` counts, with that offer), else the first other item (an Event, a
    Service) that carries offers."""
    candidates = list(_walk(items, NEIGHBOUR_KEYS))
    for item in candidates:
        types = _types(item)
        if types & set(PRODUCT_TYPES):
            return item
        offered = _first(item.get("itemOffered"))
        if "Offer" in types and isinstance(offered, dict) and _types(offered) & set(PRODUCT_TYPES):
            offer = {key: value for key, value in item.items() if key != "itemOffered"}
            return {**offered, "offers": offered.get("offers") or offer}
    for item in candidates:
        if item.get("offers") and not _types(item) & (NOT_A_PRODUCT | {"Offer"}):
            return item
    return None


def _schema_product(items: list, source: str) -> Product | None:
    thing = _schema_thing(items)
    if thing is None:
        return None
    price, original, currency = _offer_prices(thing)
    if price is None:  # a ProductGroup's price is its variants'
        for variant in _walk(thing.get("hasVariant")):
            price, original, currency = _offer_prices(variant)
            if price is not None:
                break
    return Product(
        title=_name(thing.get("name")) or "",
        price=price,
        original_price=original,
        currency=currency,
        seller=_seller(thing),
        brand=_name(thing.get("brand") or thing.get("manufacturer")),
        source=source,
    )


def _opengraph(items: list) -> Product | None:
    props: dict[str, str] = {}
    for item in items:
        for key, value in item.items():
            if not key.startswith("@"):
                props.setdefault(key, str(_first(value)))
    if not props:
        return None
    price, symbol = money(props.get("product:price:amount") or props.get("og:price:amount"))
    original, _ = money(
        props.get("product:original_price:amount") or props.get("og:original_price:amount")
    )
    # og:site_name is the site (a marketplace's name), not the seller: not read as one.
    return Product(
        title=_collapse(props.get("og:title", "")),
        price=price,
        original_price=original,
        currency=props.get("product:price:currency") or props.get("og:price:currency") or symbol,
        brand=props.get("product:brand") or None,
        source="opengraph",
    )


def _local(key: str) -> str:
    return key if key.startswith("@") else re.split(r"[/#]", key)[-1]


def _rdfa_items(nodes: list[dict]) -> list[dict]:
    """extruct's RDFa (flattened JSON-LD with full IRIs and node references) as the nested
    objects JSON-LD and microdata give: {'@type': ['Product'], 'name': …, 'offers': {…}}."""
    by_id = {node["@id"]: node for node in nodes if isinstance(node, dict) and "@id" in node}
    referenced = {
        ref["@id"]
        for node in by_id.values()
        for values in node.values()
        if isinstance(values, list)
        for ref in values
        if isinstance(ref, dict) and set(ref) == {"@id"}
    }

    def plain(value: Any, seen: frozenset[str]) -> Any:
        if isinstance(value, list):
            values = [plain(v, seen) for v in value]
            return values[0] if len(values) == 1 else values
        if not isinstance(value, dict):
            return value
        if "@value" in value:
            return value["@value"]
        ref = value.get("@id")
        if set(value) == {"@id"}:
            if ref in by_id and ref not in seen:
                return plain(by_id[ref], seen | {ref})
            return ref
        return {
            _local(key): (child if key in ("@id", "@type") else plain(child, seen))
            for key, child in value.items()
        }

    return [
        plain(node, frozenset({node_id}))
        for node_id, node in by_id.items()
        if node_id not in referenced and "@type" in node
    ]


def _tree(html: str):
    from extruct.utils import parse_html

    try:
        return parse_html(html, encoding="UTF-8")
    except ValueError:  # a str that declares its encoding (<?xml encoding=…?>)
        return parse_html(html.encode("utf-8"), encoding="UTF-8")


def _json_ld(tree) -> list:
    """Every JSON-LD block that parses; a broken one is skipped, not the whole page's."""
    from extruct.jsonld import JsonLdExtractor

    found: list = []
    scripts = tree.xpath(
        "//script[contains(translate(@type, 'APLICTONDJS', 'aplictondjs'), 'ld+json')]"
    )
    for script in scripts:
        script.attrib["type"] = "application/ld+json"  # as extruct looks for it
        try:
            found.extend(JsonLdExtractor().extract_items(script))
        except Exception:  # noqa: BLE001 - not JSON even to a lenient reader: skipped
            continue
    return found


def structured_data(html: str, url: str) -> dict[str, list]:
    """The page's JSON-LD, microdata, RDFa and OpenGraph, as extruct gives them (uniform;
    RDFa nested as JSON-LD); an empty dict when the HTML cannot be parsed."""
    import extruct

    try:
        tree = _tree(html)
    except Exception:  # noqa: BLE001 - markup lxml cannot read is a page without data
        return {}
    if tree is None:
        return {}
    data = extruct.extract(
        tree, base_url=url, syntaxes=["microdata", "opengraph"], errors="ignore", uniform=True
    )
    data["json-ld"] = _json_ld(tree)
    if tree.xpath(_HAS_RDFA):
        rdfa = extruct.extract(html, base_url=url, syntaxes=["rdfa"], errors="ignore")
        data["rdfa"] = _rdfa_items(rdfa.get("rdfa", []))
    return data


def product_of(html: str, url: str) -> Product | None:
    """The product the page's structured data describes, or None when it describes none.
    JSON-LD first, then microdata, RDFa, OpenGraph; a later source fills what an earlier one
    left empty."""
    data = structured_data(html, url)
    found = [
        _schema_product(data.get("json-ld", []), "json-ld"),
        _schema_product(data.get("microdata", []), "microdata"),
        _schema_product(data.get("rdfa", []), "rdfa"),
        _opengraph(data.get("opengraph", [])),
    ]
    found = [p for p in found if p is not None]
    if not found:
        return None
    merged = Product()
    for product in found:
        if merged.price is None and product.price is not None:
            # The price, its currency and its crossed-out price come from the same source.
            merged.price, merged.currency = product.price, product.currency
            merged.original_price = product.original_price
            merged.source = product.source
        for name in ("title", "seller", "brand"):
            if not getattr(merged, name) and getattr(product, name):
                setattr(merged, name, getattr(product, name))
    if not any(getattr(merged, name) not in (None, "") for name in FIELDS):
        return None
    return merged
