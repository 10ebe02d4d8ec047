"""Declarative base, naming convention and the column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, MetaData, Numeric, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.types import TypeDecorator

from rules import clock

# Named constraints let later migrations drop or alter them by name, on SQLite (batch mode)
# as on PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return clock.now()


def utc(value: datetime) -> datetime:
    """Capture times without an offset are UTC (the spiders' clocks)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored as UTC, always read back aware in UTC.

    SQLite has no time zone type and drops the offset silently, so values are normalised to
    UTC before they are written; a naive value is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Shared column types; nullability comes from the Mapped[...] annotation.
IntPK = Annotated[int, mapped_column(primary_key=True)]
Code = Annotated[str, mapped_column(String(64))]
ExternalId = Annotated[str, mapped_column(String(128))]
RegionCode = Annotated[str, mapped_column(String(6), index=True)]
Sha256 = Annotated[str, mapped_column(String(64))]
Url = Annotated[str, mapped_column(Text)]
Money = Annotated[Decimal, mapped_column(Numeric(12, 2))]
Timestamp = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        str: Text,
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }
