"""The tables: what was swept, what was seen, what fired and which leads it made."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from store.base import (
    Base,
    Code,
    ExternalId,
    IntPK,
    Money,
    RegionCode,
    Sha256,
    Timestamp,
    Url,
    utcnow,
)
from store.status import SweepKind, SweepStatus


class LeadStatus(enum.StrEnum):
    new = "new"  # 待核查
    verified = "verified"  # 已核查
    referred = "referred"  # 已移送
    dismissed = "dismissed"  # 已排除


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # VARCHAR + CHECK rather than a native PostgreSQL enum: adding a status later is then an
    # ordinary migration on both backends.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Platform(Base):
    __tablename__ = "platforms"

    id: Mapped[IntPK]
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[str]
    base_url: Mapped[Url]


class Sweep(Base):
    __tablename__ = "sweeps"

    id: Mapped[IntPK]
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    started_at: Mapped[Timestamp]
    finished_at: Mapped[datetime | None]
    status: Mapped[SweepStatus] = mapped_column(
        _enum(SweepStatus, "sweep_status"), default=SweepStatus.running
    )
    kind: Mapped[SweepKind] = mapped_column(
        _enum(SweepKind, "sweep_kind"), default=SweepKind.sweep, server_default="sweep"
    )
    profile: Mapped[str | None]
    pack_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)

    platform: Mapped[Platform] = relationship()


class _Seen:
    """Columns of everything a sweep can see on a platform."""

    id: Mapped[IntPK]
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    external_id: Mapped[ExternalId]
    first_seen: Mapped[Timestamp]
    last_seen: Mapped[Timestamp]
    last_sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id"), index=True)

    @declared_attr
    def platform(cls) -> Mapped[Platform]:
        return relationship(Platform)

    @declared_attr
    def last_sweep(cls) -> Mapped[Sweep]:
        return relationship(Sweep, foreign_keys=f"{cls.__name__}.last_sweep_id")


class Shop(_Seen, Base):
    __tablename__ = "shops"
    __table_args__ = (UniqueConstraint("platform_id", "external_id"),)

    url: Mapped[Url]
    name: Mapped[str] = mapped_column(default="")
    # Everything the page shows (licence block included): rescoring reads it again.
    shop_text: Mapped[str] = mapped_column(default="", server_default=text("''"))
    company_name: Mapped[str | None]
    uscc: Mapped[Code | None]
    uscc_valid: Mapped[bool | None]
    licence_present: Mapped[bool] = mapped_column(default=False)
    licence_image_only: Mapped[bool] = mapped_column(default=False)
    permits: Mapped[list[str]] = mapped_column(default=list)
    categories: Mapped[list[str]] = mapped_column(default=list)
    # The seller's 属地: its valid USCC's region, else its licence address, else where most of
    # its listings ship from. Stored (not derived in queries) because it aggregates over the
    # listings; set in one place, store.sweeps.settle_shop_region, whenever the shop page or
    # one of its listings is written. Every lead's region is derived from it (store.leads).
    region_code: Mapped[RegionCode | None]
    # What placed it: uscc (a valid code), licence_address, ship_from (its listings) or None.
    region_source: Mapped[Code | None]
    # The address (住所) its licence shows, None when not shown.
    licence_address: Mapped[str | None] = mapped_column(Text)
    # Why some fields may be missing (the browser render of the page failed); "" if none.
    incomplete: Mapped[str] = mapped_column(default="", server_default=text("''"))
    # None until the shop page itself is fetched: a listing may name its shop first.
    page_sha256: Mapped[Sha256 | None]
    fetched_at: Mapped[datetime | None]

    kind = "shop"


class Listing(_Seen, Base):
    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("platform_id", "external_id"),)

    url: Mapped[Url]
    title: Mapped[str]
    description: Mapped[str] = mapped_column(default="")
    price: Mapped[Money | None]
    original_price: Mapped[Money | None]
    sales: Mapped[int | None] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(default="")
    ship_from: Mapped[str] = mapped_column(default="")
    shop_name: Mapped[str] = mapped_column(default="", server_default=text("''"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), index=True)
    # The region the listing's ship-from text names: a fact of the listing, written with it.
    ship_from_code: Mapped[RegionCode | None]
    # Why some fields may be missing (a price API that failed in the browser); "" if none.
    incomplete: Mapped[str] = mapped_column(default="", server_default=text("''"))
    page_sha256: Mapped[Sha256]
    encoding: Mapped[Code]
    rendered: Mapped[bool] = mapped_column(default=False)
    fetched_at: Mapped[datetime]
    # Set when a finished sweep of its platform did not find it (下架 or deleted); cleared
    # when a sweep finds it again. Its leads are kept and say so.
    vanished_at: Mapped[datetime | None]
    vanished_sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"))

    shop: Mapped[Shop | None] = relationship()

    kind = "listing"


class Observation(Base):
    """What one sweep saw of a listing: its prices, title and availability.

    One row per (listing, sweep): ``wangjian changes`` compares a sweep's rows with the
    previous sweep's, and the price-history checks (《规范促销行为暂行规定》§20: the lowest price
    of the seven days before a promotion) read the prices over time.
    """

    __tablename__ = "listing_observations"
    __table_args__ = (
        UniqueConstraint("listing_id", "sweep_id"),
        Index("ix_listing_observations_listing_observed", "listing_id", "observed_at"),
    )

    id: Mapped[IntPK]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    sweep_id: Mapped[int] = mapped_column(ForeignKey("sweeps.id"), index=True)
    observed_at: Mapped[Timestamp]
    price: Mapped[Money | None]
    original_price: Mapped[Money | None]
    title: Mapped[str | None] = mapped_column(Text)
    # False when the page said it is not for sale (已下架, 售罄, 缺货); None when not shown.
    available: Mapped[bool | None]


class Ad(_Seen, Base):
    __tablename__ = "ads"
    __table_args__ = (UniqueConstraint("platform_id", "external_id"),)

    slot: Mapped[Code]
    text: Mapped[str]
    target_url: Mapped[Url | None]
    # The promoted listing's external id (read off target_url by the profile): an ad's
    # region is its listing's, joined by (platform, external_id) when the leads are read.
    target_external_id: Mapped[ExternalId | None]
    labelled: Mapped[bool]
    page_url: Mapped[Url]

    kind = "ad"


Target = Listing | Shop | Ad

# Exactly one of the three target columns is set. CASE keeps it portable: PostgreSQL cannot
# add booleans.
_ONE_TARGET = (
    " + ".join(
        f"(CASE WHEN {c} IS NOT NULL THEN 1 ELSE 0 END)" for c in ("listing_id", "shop_id", "ad_id")
    )
    + " = 1"
)


class _Targeted:
    """A row about exactly one listing, shop or ad."""

    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    ad_id: Mapped[int | None] = mapped_column(ForeignKey("ads.id", ondelete="CASCADE"))

    @declared_attr
    def listing(cls) -> Mapped[Listing | None]:
        return relationship(Listing)

    @declared_attr
    def shop(cls) -> Mapped[Shop | None]:
        return relationship(Shop)

    @declared_attr
    def ad(cls) -> Mapped[Ad | None]:
        return relationship(Ad)

    @property
    def target(self) -> Target:
        return self.listing or self.shop or self.ad  # type: ignore[return-value]

    @property
    def target_kind(self) -> str:
        if self.listing_id is not None:
            return "listing"
        return "shop" if self.shop_id is not None else "ad"


class RuleHit(_Targeted, Base):
    __tablename__ = "rule_hits"
    __table_args__ = (
        CheckConstraint(_ONE_TARGET, name="one_target"),
        Index("ix_rule_hits_listing_id", "listing_id"),
        Index("ix_rule_hits_shop_id", "shop_id"),
        Index("ix_rule_hits_ad_id", "ad_id"),
    )

    id: Mapped[IntPK]
    pack_id: Mapped[Code]
    pack_version: Mapped[Code]
    rule_id: Mapped[str]
    severity: Mapped[Code]
    weight: Mapped[float]
    field: Mapped[Code]
    start: Mapped[int]
    end: Mapped[int]
    matched: Mapped[str]
    term: Mapped[str]
    via: Mapped[Code]
    note: Mapped[str] = mapped_column(default="")
    legal_basis: Mapped[str] = mapped_column(default="")
    # What a check judged by, when words are not enough: the observed prices of a price-history
    # check (``rules.record.Hit.evidence``).
    evidence: Mapped[dict[str, Any] | None]
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"), index=True)
    created_at: Mapped[Timestamp]


class Capture(_Targeted, Base):
    """The evidence of one page of a lead, captured when it was found (``store.evidence``).

    Files lie content-addressed under the data directory's ``evidence/objects``; the rows
    hold their hashes and sizes, so that ``wangjian evidence verify`` can tell a file that
    was changed or removed. A page that was a lead before and has not changed (same body
    hash) is not captured again.
    """

    __tablename__ = "captures"
    __table_args__ = (
        CheckConstraint(_ONE_TARGET, name="one_target"),
        Index("ix_captures_listing_id", "listing_id"),
        Index("ix_captures_shop_id", "shop_id"),
        Index("ix_captures_ad_id", "ad_id"),
    )

    id: Mapped[IntPK]
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"), index=True)
    url: Mapped[Url]
    page_sha256: Mapped[Sha256] = mapped_column(index=True)
    captured_at: Mapped[Timestamp]
    manifest_sha256: Mapped[Sha256]
    manifest_path: Mapped[str] = mapped_column(Text)

    files: Mapped[list[CaptureFile]] = relationship(
        back_populates="capture", cascade="all, delete-orphan", order_by="CaptureFile.id"
    )


class CaptureFile(Base):
    """One file of a capture: the body as served, the WARC, a screenshot, the manifest."""

    __tablename__ = "capture_files"
    __table_args__ = (UniqueConstraint("capture_id", "role"),)

    id: Mapped[IntPK]
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="CASCADE"))
    role: Mapped[Code]
    path: Mapped[str] = mapped_column(Text)  # relative to the data directory
    sha256: Mapped[Sha256]
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[Code]

    capture: Mapped[Capture] = relationship(back_populates="files")


class CustodyHead(Base):
    """The newest line of the custody log (``store.custody``): its seq and hash. Kept in the
    database so that deleting the log's last lines, which leaves a whole chain, is caught."""

    __tablename__ = "custody_head"

    id: Mapped[IntPK]  # always 1
    seq: Mapped[int]
    hash: Mapped[Sha256]
    at: Mapped[Timestamp]


class Lead(_Targeted, Base):
    """One category of suspicion about one target; re-scoring updates it, never duplicates it.

    NULLs are distinct in unique constraints on both SQLite and PostgreSQL, so one constraint
    per target column gives "unique per (target, category)" without a computed key.
    """

    __tablename__ = "leads"
    # The unique constraints' indexes also serve lookups by target: no separate index.
    __table_args__ = (
        CheckConstraint(_ONE_TARGET, name="one_target"),
        UniqueConstraint("listing_id", "category"),
        UniqueConstraint("shop_id", "category"),
        UniqueConstraint("ad_id", "category"),
    )

    id: Mapped[IntPK]
    category: Mapped[Code] = mapped_column(index=True)
    score: Mapped[float]
    pack_version: Mapped[Code]
    status: Mapped[LeadStatus] = mapped_column(
        _enum(LeadStatus, "lead_status"), default=LeadStatus.new, index=True
    )
    first_seen: Mapped[Timestamp]
    last_seen: Mapped[Timestamp] = mapped_column(index=True)
    last_sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweeps.id"), index=True)
    # Set when the target's latest verdict no longer puts it in this category (the content
    # changed, or a pack did): the lead is kept for the record, score and last_seen frozen.
    # Cleared again (NULL) when the category fires anew.
    cleared_at: Mapped[datetime | None]

    last_sweep: Mapped[Sweep | None] = relationship()

    @property
    def active(self) -> bool:
        return self.cleared_at is None


class LeadEvent(Base):
    """One change of a lead's review status: who, when, from what to what, and why."""

    __tablename__ = "lead_events"
    __table_args__ = (Index("ix_lead_events_lead_id_at", "lead_id", "at"),)

    id: Mapped[IntPK]
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    at: Mapped[Timestamp]
    by: Mapped[str] = mapped_column(Text)
    from_status: Mapped[Code]
    to_status: Mapped[Code]
    note: Mapped[str] = mapped_column(Text, default="")


__all__ = [
    "Ad",
    "Capture",
    "CaptureFile",
    "CustodyHead",
    "Lead",
    "LeadEvent",
    "LeadStatus",
    "Listing",
    "Platform",
    "Observation",
    "RuleHit",
    "Shop",
    "Sweep",
    "SweepKind",
    "SweepStatus",
    "Target",
    "utcnow",
]
