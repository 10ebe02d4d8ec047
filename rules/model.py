"""Typed models of the rule-pack format (YAML): what an analyst may write, and nothing else.

Every field carries a description because the JSON Schema (rules/schema/pack.schema.json) and
the analysts' documentation are generated from these models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from rules.errors import Issue
from rules.record import Kind, Record, Severity, TextField

Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
ALL_KINDS: list[Kind] = ["listing", "shop", "ad"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TermSpec(_Strict):
    """A literal term with a note carried into every hit it produces."""

    term: str = Field(min_length=1, description="The literal term, matched on the normalised text.")
    note: str = Field("", description="Fact shown with the hit, e.g. 国家一级保护野生动物.")


class FuzzySpec(_Strict):
    """A term matched by similarity, for longer names that sellers misspell."""

    term: str = Field(
        min_length=4, description="Term of at least 4 characters after normalisation."
    )
    min_similarity: float = Field(
        85, ge=50, le=100, description="Minimum rapidfuzz partial-ratio similarity, 50-100."
    )
    note: str = Field("", description="Fact shown with the hit.")


class LicencePresentCheck(_Strict):
    kind: Literal["licence_present"] = Field(
        description="Shop records: fires when no licence block is displayed."
    )


class LicenceTextCheck(_Strict):
    kind: Literal["licence_text"] = Field(
        description="Shop records: fires when the licence is shown only as an image."
    )


class UsccValidCheck(_Strict):
    kind: Literal["uscc_valid"] = Field(
        description="Shop records: fires when the displayed USCC fails GB 32100-2015, "
        "or a licence block is displayed without any USCC."
    )


class PermitPresentCheck(_Strict):
    kind: Literal["permit_present"] = Field(
        description="Shop records: fires when the category needs a permit that is not displayed."
    )
    permit: str = Field(min_length=1, description="Name of the permit, e.g. 食品经营许可证.")
    categories: list[str] = Field(
        min_length=1, description="Category words that need the permit, e.g. [食品, 保健食品]."
    )


class SellerPermitCheck(_Strict):
    kind: Literal["seller_permit"] = Field(
        description="Listing records: fires when one of `rules` hit and the listing's shop is "
        "known (its page was read) and displays no permit containing `permit`."
    )
    permit: str = Field(min_length=1, description="Name of the permit, e.g. 药品经营许可证.")
    rules: list[str] = Field(
        min_length=1, description="Ids of rules of the same pack, e.g. [prescription_drugs]."
    )


class DiscountRatioCheck(_Strict):
    kind: Literal["discount_ratio"] = Field(
        description="Fires when price / original_price is at or below max_ratio."
    )
    max_ratio: float = Field(gt=0, lt=1, description="Largest suspicious ratio, e.g. 0.3.")


class ReferencePriceCheck(_Strict):
    kind: Literal["reference_price"] = Field(
        description="Listing records with a price history: fires when the stated original "
        "price (划线价) is above the lowest price observed in the `days` before the promotion "
        "window the record is seen in (before the sighting itself outside a window)."
    )
    days: int = Field(7, ge=1, le=90, description="Days before the window that set the basis.")
    min_observations: int = Field(
        2, ge=1, description="Prices observed in those days needed to judge at all."
    )
    tolerance: float = Field(
        0.0, ge=0, lt=1, description="Share above the lowest price still accepted, e.g. 0.02."
    )


class RaiseThenDiscountCheck(_Strict):
    kind: Literal["raise_then_discount"] = Field(
        description="Listing records with a price history, seen in a promotion window: fires "
        "when the price was raised by at least `min_raise` in the `days` before the window and "
        "the promotion's discounted price is no lower than the price before the raise "
        "(先涨价后打折)."
    )
    days: int = Field(30, ge=1, le=120, description="Days before the window looked at.")
    min_raise: float = Field(
        0.15, gt=0, description="Smallest raise that counts, as a share of the earlier price."
    )
    tolerance: float = Field(
        0.05,
        ge=0,
        lt=1,
        description="A promotion price this share below the earlier price still counts as no "
        "real discount.",
    )


class PriceGougingCheck(_Strict):
    kind: Literal["price_gouging"] = Field(
        description="Listing records seen in an emergency window: fires when an essential "
        "good's price is at least `max_rise` above the highest price observed in the `days` "
        "before the window (哄抬价格)."
    )
    goods: list[str] = Field(
        min_length=1, description="Words that make a listing an essential good, e.g. [口罩, 大米]."
    )
    days: int = Field(14, ge=1, le=90, description="Days before the window that set the basis.")
    max_rise: float = Field(0.5, gt=0, description="Largest rise still accepted, e.g. 0.5 = +50 %.")


class AdLabelCheck(_Strict):
    kind: Literal["ad_label"] = Field(
        description="Ad records: fires when a paid placement carries no 广告 label."
    )


Check = Annotated[
    LicencePresentCheck
    | LicenceTextCheck
    | UsccValidCheck
    | PermitPresentCheck
    | SellerPermitCheck
    | DiscountRatioCheck
    | ReferencePriceCheck
    | RaiseThenDiscountCheck
    | PriceGougingCheck
    | AdLabelCheck,
    Field(discriminator="kind"),
]


class ExampleRecord(Record):
    """A record written out in an example; unknown fields are refused so typos show."""

    model_config = ConfigDict(extra="forbid")


Example = str | ExampleRecord


class Examples(_Strict):
    """Test cases run by `wangjian rules test`."""

    match: list[Example] = Field(
        default_factory=list,
        description="Records the rule must fire on; a string is a listing with that title.",
    )
    no_match: list[Example] = Field(
        default_factory=list,
        description="Records the rule must not fire on; a string is a listing with that title.",
    )


#: Default reach of co-terms and context exclusions, in normalised characters: about a
#: title's phrase, so a word elsewhere on a long page does not count.
DEFAULT_WINDOW = 10


class Rule(_Strict):
    """One rule: text matchers (terms, regex, fuzzy) or one structural check."""

    id: Ident = Field(description="Id unique within the pack; the full id is pack.rule.")
    description: str = Field(min_length=1, description="What the rule catches, for reviewers.")
    legal_basis: str = Field(min_length=1, description="Law and article the rule enforces.")
    severity: Severity = Field(description="low, medium, high or critical.")
    weight: float = Field(ge=0, description="Added to the pack score once when the rule fires.")
    fields: list[TextField] = Field(
        default_factory=lambda: ["title", "description"],
        min_length=1,
        description="Record fields the text matchers read.",
    )
    kinds: list[Kind] = Field(
        default_factory=lambda: list(ALL_KINDS),
        min_length=1,
        description="Record kinds the rule applies to.",
    )
    categories: list[str] | None = Field(
        None, description="Applies only when the record's category contains one of these."
    )
    terms: list[str | TermSpec] = Field(
        default_factory=list, description="Literal terms, matched on the normalised text."
    )
    phonetic: bool = Field(
        False, description="Also match pinyin spellings and homophones of the terms."
    )
    regex: list[str] = Field(
        default_factory=list,
        description="Regular expressions (RE2: linear time; Python's \\d \\w \\s; no "
        "lookaround or backreferences) on the normalised text; a group named hit is the hit.",
    )
    fuzzy: list[FuzzySpec] = Field(
        default_factory=list, description="Terms matched by similarity to windows of the text."
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Exclusions: a hit overlapping an occurrence of one (a harmless compound "
        "such as 象牙白), or within `window` characters of one that overlaps no hit (a context "
        "word such as 毛绒), is dropped.",
    )
    require_any: list[str] = Field(
        default_factory=list,
        description="Co-terms: a hit counts only with one of these within `window` characters "
        "of it, in the same field.",
    )
    window: int = Field(
        DEFAULT_WINDOW,
        ge=0,
        le=10_000,
        description="How near (normalised characters either side of a hit) co-terms and context "
        "exclusions must be.",
    )
    subword: bool = Field(
        False,
        description="Terms and regexes may match inside a longer word (象牙 in 象牙雕); "
        "otherwise a hit starts and ends on word boundaries (jieba's, and the spaces the "
        "seller wrote), so 刷单 does not fire in 牙刷单支装.",
    )
    check: Check | None = Field(None, description="Structural check instead of text matchers.")
    examples: Examples | None = Field(
        None, description="Records the rule must and must not fire on."
    )

    def term_specs(self) -> list[TermSpec]:
        return [TermSpec(term=t) if isinstance(t, str) else t for t in self.terms]

    def has_matchers(self) -> bool:
        return bool(self.terms or self.regex or self.fuzzy)


class Pack(_Strict):
    """One rule pack: a campaign's rules, scored together against a threshold."""

    id: Ident = Field(description="Pack id, unique across loaded packs; the lead category.")
    version: str = Field(min_length=1, description="Version string recorded on every hit and lead.")
    title: str = Field(min_length=1, description="Human title of the pack.")
    legal_basis: str = Field(min_length=1, description="Laws the pack enforces.")
    owner: str = Field(min_length=1, description="Department that maintains the pack.")
    threshold: float = Field(gt=0, description="Pack score at which a record becomes a lead.")
    description: str = Field("", description="Free text.")
    search_terms: list[str] = Field(
        default_factory=list, description="Keywords a sweep searches the platforms for."
    )
    rules: list[Rule] = Field(min_length=1, description="The rules of the pack.")


@dataclass
class PackSet:
    """The packs loaded together, with the file each came from."""

    packs: list[Pack] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)
    warnings: list[Issue] = field(default_factory=list)

    def versions(self) -> dict[str, str]:
        return {p.id: p.version for p in self.packs}

    def search_terms(self) -> dict[str, list[str]]:
        return {p.id: list(p.search_terms) for p in self.packs}
