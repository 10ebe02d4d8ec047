"""Seeded generation of the demo's shops, listings and ads (see ``catalog.build_catalog``).

One ``random.Random`` seeded with a string (hashed with SHA-512 by the stdlib, so independent
of PYTHONHASHSEED) drives every choice, in a fixed order: same seed and size, same site.
"""

from __future__ import annotations

import math
import random

from stdnum.cn import uscc as stdnum_uscc

from crawler.demo.records import Ad, LicenceKind, Listing, Shop
from crawler.demo.vocab import (
    BANNER_BAD,
    BANNER_CLEAN,
    BENIGN,
    CATEGORIES,
    CATEGORY_BY_NAME,
    CITIES,
    COMPANY_TRADE,
    EVASIVE_DESC,
    FOOD_CATEGORIES,
    SERVICE_LINES,
    SHOP_INTRO,
    SHOP_SUFFIX,
    TRADE_FIRST,
    TRADE_SECOND,
    VIOLATING,
    Bad,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
FOOD_PERMIT = "食品经营许可证"
PACKS = ("wildlife", "prohibited_goods", "fake_promotion")


def generate(seed: int, size: int) -> tuple[dict[str, Shop], dict[str, Listing], dict[str, Ad]]:
    rng = random.Random(f"wangjian-demo/{seed}/{size}")
    shops = make_shops(rng, max(12, size // 10))
    listings = make_listings(rng, size, list(shops.values()))
    ads = make_ads(rng, size, list(listings.values()))
    return shops, listings, ads


def make_uscc(rng: random.Random, region: str, individual: bool, valid: bool) -> str:
    """Registration dept (9: market regulation; 1 company, 2 individual) + region + org code."""
    body = ("92" if individual else "91") + region + "MA" + "".join(rng.choices(USCC_ALPHABET, k=7))
    check = stdnum_uscc.calc_check_digit(body)
    if not valid:
        check = rng.choice(USCC_ALPHABET.replace(check, ""))
    return body + check


def _licence_kinds(rng: random.Random, n: int) -> list[LicenceKind]:
    odd = {"invalid": max(1, round(n * 0.1)), "missing": max(1, round(n * 0.12)),
           "image": max(1, round(n * 0.12))}
    kinds: list[LicenceKind] = [k for k, c in odd.items() for _ in range(c)]  # type: ignore[misc]
    kinds += ["valid"] * (n - len(kinds))
    rng.shuffle(kinds)
    return kinds


def make_shops(rng: random.Random, n: int) -> dict[str, Shop]:
    names = [c.name for c in CATEGORIES]  # food first: even 12 shops cover both food kinds
    kinds = _licence_kinds(rng, n)
    gbk = set(rng.sample(range(n), max(2, n // 50)))
    shown_a_permitless_food_shop = False
    shops: dict[str, Shop] = {}
    for i in range(n):
        city = rng.choice(CITIES)
        primary = names[i % len(names)]
        categories = tuple(dict.fromkeys([primary, *rng.sample(names, rng.randint(0, 2))]))
        food = any(c in FOOD_CATEGORIES for c in categories)
        trade = rng.choice(TRADE_FIRST) + rng.choice(TRADE_SECOND)
        individual = rng.random() < 0.25
        # Municipalities name companies after the city (北京…), not the district.
        prefix = city.province if city.province.endswith("市") else city.name
        form = "商行" if individual else "有限公司"
        company = prefix + trade + rng.choice(COMPANY_TRADE) + form
        kind = kinds[i]
        code = make_uscc(rng, city.code, individual, valid=kind != "invalid")
        permits: tuple[tuple[str, str], ...] = ()
        if food and kind in ("valid", "invalid"):
            omit = kind == "valid" and (not shown_a_permitless_food_shop or rng.random() < 0.25)
            shown_a_permitless_food_shop |= omit
            if not omit:
                number = f"JY1{city.code}{rng.randrange(10**6):06d}{rng.randrange(10)}"
                permits = ((FOOD_PERMIT, number),)
        sid = f"S{i + 1:03d}"
        shops[sid] = Shop(
            id=sid,
            name=trade + primary + rng.choice(SHOP_SUFFIX),
            city=city,
            categories=categories,
            intro=rng.choice(SHOP_INTRO).format(cat=primary),
            company=company,
            licence=kind,
            uscc=code if kind in ("valid", "invalid") else None,
            permits=permits,
            food=food,
            gbk=i in gbk,
        )
    return shops


def _plan(rng: random.Random, size: int) -> list[tuple[str, Bad | tuple | None, bool]]:
    """The kinds of listing to make, in catalogue order: (kind, material, evasive)."""
    n_bad = round(size * 0.24)
    counts = {"wildlife": round(n_bad * 0.3), "prohibited_goods": round(n_bad * 0.35),
              "discount": round(n_bad * 0.1)}
    counts["fake_promotion"] = n_bad - sum(counts.values())
    n_benign = round(size * 0.05)
    if size >= 10:  # even a tiny catalogue shows every kind once
        counts = {k: max(1, c) for k, c in counts.items()}
        n_benign = max(1, n_benign)
    slots: list[Bad] = []
    for pack in PACKS:
        entries = [b for b in VIOLATING if b.pack == pack]
        slots += [entries[k % len(entries)] for k in range(counts[pack])]
    eligible = [i for i, bad in enumerate(slots) if bad.evasive]
    evasive = set(rng.sample(eligible, min(len(eligible), round(len(slots) / 4))))
    plan: list[tuple[str, Bad | tuple | None, bool]] = [
        ("violating", bad, i in evasive) for i, bad in enumerate(slots)
    ]
    plan += [("discount", None, False)] * counts["discount"]
    plan += [("benign", BENIGN[k % len(BENIGN)], False) for k in range(n_benign)]
    plan = plan[:size]
    plan += [("clean", None, False)] * (size - len(plan))
    rng.shuffle(plan)
    return plan


def _price(rng: random.Random, low: int, high: int) -> float:
    price = float(round(rng.uniform(low, high)))
    return round(price - 0.1, 2) if price > 10 and rng.random() < 0.6 else price


def _clean_title(rng: random.Random, category: str) -> str:
    words = [rng.choice(group) for group in CATEGORY_BY_NAME[category].words]
    return "".join(words[:-1]) + " " + words[-1]


def _describe(rng: random.Random, category: str, first: str | None = None) -> str:
    sentences = rng.sample(CATEGORY_BY_NAME[category].desc, 2)
    if first is not None:
        sentences[0] = first
    return "".join(sentences) + rng.choice(SERVICE_LINES)


def make_listings(rng: random.Random, size: int, shops: list[Shop]) -> dict[str, Listing]:
    by_category: dict[str, list[Shop]] = {}
    for shop in shops:
        for category in shop.categories:
            by_category.setdefault(category, []).append(shop)
    gbk = set(rng.sample(range(size), min(size, max(3, size // 100))))
    listings: dict[str, Listing] = {}
    for i, (kind, material, evasive) in enumerate(_plan(rng, size)):
        tags: tuple[str, ...] = ()
        packs: frozenset[str] = frozenset()
        if isinstance(material, Bad):
            category, (low, high) = material.category, material.price
            title = rng.choice(material.evasive) if evasive else material.title
            description = rng.choice(EVASIVE_DESC) if evasive else material.desc
            description += rng.choice(SERVICE_LINES)
            packs, tags = frozenset({material.pack}), material.tags
        elif material is not None:  # a benign look-alike
            category, title, (low, high), first = material
            description = _describe(rng, category, first)
        else:
            category = rng.choice(CATEGORIES).name
            low, high = CATEGORY_BY_NAME[category].price
            title, description = _clean_title(rng, category), _describe(rng, category)
        price = _price(rng, low, high)
        original: float | None = None
        if kind == "discount":  # 先提价后打折: a "was" price never charged
            original = float(round(price * rng.uniform(4.5, 9)))
            packs = frozenset({"fake_promotion"})
        elif rng.random() < 0.3:
            original = float(round(price * rng.uniform(1.2, 2.5)))
        shop = rng.choice(by_category.get(category) or shops)
        lid = f"L{i + 1:05d}"
        listings[lid] = Listing(
            id=lid, title=title, price=price, original_price=original, description=description,
            category=category, shop_id=shop.id, kind=kind,  # type: ignore[arg-type]
            packs=packs, tags=tags, evasive=evasive,
            js_priced=rng.random() < 0.1, gbk=i in gbk,
        )
    return listings


def make_ads(rng: random.Random, size: int, listings: list[Listing]) -> dict[str, Ad]:
    """Paid slots; sized so that paging through every listing shows every ad."""
    pages = max(1, math.ceil(size / 20))
    n_promoted = min(max(6, size // 25), 2 * pages)
    n_banner = min(max(3, size // 60), pages)
    clean = [x for x in listings if x.kind == "clean"] or listings
    violating = [x for x in listings if x.kind == "violating"]

    def unlabelled(n: int) -> set[int]:
        return set(rng.sample(range(n), max(1, round(n * 0.3)))) if n >= 2 else set()

    ads: dict[str, Ad] = {}
    hidden = unlabelled(n_promoted)
    for k in range(n_promoted):
        pool = violating if violating and rng.random() < 0.15 else clean
        target = rng.choice(pool)
        ads[f"P{k + 1:03d}"] = Ad(f"P{k + 1:03d}", "promoted", target.title, target.id,
                                  labelled=k not in hidden)
    hidden = unlabelled(n_banner)
    n_bad = max(1, round(n_banner * 0.3)) if n_banner >= 3 else 0
    bad = set(rng.sample(range(n_banner), n_bad))
    for k in range(n_banner):
        text = rng.choice(BANNER_BAD if k in bad else BANNER_CLEAN)
        ads[f"B{k + 1:03d}"] = Ad(f"B{k + 1:03d}", "banner", text, rng.choice(clean).id,
                                  labelled=k not in hidden)
    return ads
