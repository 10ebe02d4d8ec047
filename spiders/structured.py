"""What a page says about its product in structured data, for pages no profile describes:
schema.org JSON-LD and microdata, OpenGraph and RDFa (extruct), read for the title, price,
original price, currency, seller and brand; prices as text (¥1,299.00, NT$960) by
price-parser. Pure functions of the HTML.

extruct and price-parser load on the first page that needs them (about 0.2 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: schema.org price types that mean the crossed-out price (划线价).
LIST_PRICE_TYPES = ("ListPrice", "StrikethroughPrice", "MSRP", "SRP")


@dataclass
class Product:
    title: str = ""
    price: float | None = None
    original_price: float | None = None
    currency: str | None = None
    seller: str | None = None
    brand: str | None = None
    source: str = ""  # json-ld, microdata, opengraph, rdfa: where the price came from


def money(value: Any) -> tuple[float | None, str | None]:
    """An amount and currency out of a number or a price text ('NT$ 1,299', '¥89-129':
    the first amount)."""
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, int | float):
        return float(value), None
    from price_parser import Price

    parsed = Price.fromstring(str(value))
    amount = parsed.amount_float
    return (amount if amount is not None and amount >= 0 else None), parsed.currency


def _types(item: dict) -> set[str]:
    kind = item.get("@type") or item.get("type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _walk(value: Any) -> Iterator[dict]:
    """Every object in a JSON-LD / microdata tree (@graph, nested offers, lists)."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def _first(value: Any) -> Any:
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value


def _name(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id")
        value = _first(value)
    return str(value).strip() or None if value else None


def _offer_prices(product: dict) -> tuple[float | None, float | None, str | None]:
    price = original = currency = None
    for offer in _walk(product.get("offers")):
        types = _types(offer)
        if price is None:
            for key in ("price", "lowPrice"):
                amount, symbol = money(_first(offer.get(key)))
                if amount is not None:
                    price, currency = amount, _first(offer.get("priceCurrency")) or symbol
                    break
        for spec in _walk(offer.get("priceSpecification")):
            kind = str(_first(spec.get("priceType")) or "").rsplit("/", 1)[-1]
            if kind in LIST_PRICE_TYPES and original is None:
                original, _ = money(_first(spec.get("price")))
        if "AggregateOffer" in types and price is None:
            price, currency = money(_first(offer.get("lowPrice")))
    return price, original, currency


def _schema_product(items: list, source: str) -> Product | None:
    for item in _walk(items):
        if "Product" not in _types(item) and "ProductGroup" not in _types(item):
            continue
        price, original, currency = _offer_prices(item)
        return Product(
            title=_name(item.get("name")) or "",
            price=price,
            original_price=original,
            currency=currency,
            seller=_name(_first(item.get("offers") or {}).get("seller"))
            if isinstance(_first(item.get("offers")), dict)
            else None,
            brand=_name(item.get("brand")),
            source=source,
        )
    return None


def _opengraph(items: list) -> Product | None:
    props: dict[str, str] = {}
    for item in items:
        for key, value in item.items():
            if not key.startswith("@"):
                props.setdefault(key, str(_first(value)))
    if not props:
        return None
    price, currency = money(props.get("product:price:amount") or props.get("og:price:amount"))
    original, _ = money(
        props.get("product:original_price:amount") or props.get("og:original_price:amount")
    )
    return Product(
        title=props.get("og:title", ""),
        price=price,
        original_price=original,
        currency=props.get("product:price:currency") or props.get("og:price:currency") or currency,
        brand=props.get("product:brand"),
        seller=props.get("og:site_name"),
        source="opengraph",
    )


def product_of(html: str, url: str) -> Product | None:
    """The product the page's structured data describes, or None when it describes none.
    JSON-LD first, then microdata, RDFa, OpenGraph; a later source fills what an earlier one
    left empty."""
    import extruct

    try:
        data = extruct.extract(
            html,
            base_url=url,
            syntaxes=["json-ld", "microdata", "rdfa", "opengraph"],
            errors="ignore",
            uniform=True,
        )
    except Exception:  # noqa: BLE001 - broken markup is a page without structured data
        return None
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
        for name in ("title", "price", "original_price", "currency", "seller", "brand"):
            if not getattr(merged, name) and getattr(product, name) not in (None, ""):
                setattr(merged, name, getattr(product, name))
                if name == "price":
                    merged.source = product.source
    return merged
