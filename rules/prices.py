"""Observed prices and the windows they are judged in: what the price-history checks read.

A listing's ``price_history`` is what earlier sweeps saw of it (oldest first); a
``PriceWindow`` is a promotion (双11, 618: 《规范促销行为暂行规定》§20 takes the lowest price
charged in the seven days before it as the basis of any discount) or a declared emergency
(哄抬价格 is judged against the prices before it). Dates of a window are days in Beijing time,
both ends included. Plain pydantic, no Scrapy or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

BEIJING = ZoneInfo("Asia/Shanghai")

WindowKind = Literal["promotion", "emergency"]


class PricePoint(BaseModel):
    """One sweep's sight of a listing's prices."""

    model_config = ConfigDict(frozen=True)

    at: datetime = Field(description="When it was seen (aware; naive means UTC).")
    price: float | None = Field(None, description="Price charged, in yuan.")
    original_price: float | None = Field(None, description="Stated original price (划线价).")

    @property
    def when(self) -> datetime:
        return self.at.replace(tzinfo=UTC) if self.at.tzinfo is None else self.at

    @property
    def day(self) -> date:
        """The day it was seen, in Beijing time."""
        return self.when.astimezone(BEIJING).date()


class PriceWindow(BaseModel):
    """A promotion or an emergency: a name and its days (Beijing time, both ends included)."""

    model_config = ConfigDict(frozen=True)

    kind: WindowKind = Field(
        "promotion",
        description="promotion (促销: 双11, 618) or emergency (应急: a declared emergency).",
    )
    name: str = Field(description="As people say it, e.g. 双11 or 某地疫情应急.")
    start: date = Field(description="Its first day (YYYY-MM-DD, Beijing time).")
    end: date = Field(description="Its last day, included.")

    @model_validator(mode="after")
    def _ordered(self) -> PriceWindow:
        if self.end < self.start:
            raise ValueError(f"window {self.name}: ends {self.end} before it starts {self.start}")
        return self

    @property
    def opens(self) -> datetime:
        """The first instant of the window, aware."""
        return datetime.combine(self.start, time.min, BEIJING)

    def holds(self, at: datetime) -> bool:
        day = (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(BEIJING).date()
        return self.start <= day <= self.end

    def label(self) -> str:
        return f"{self.name}（{self.start:%Y-%m-%d}至{self.end:%Y-%m-%d}）"

    @classmethod
    def parse(cls, text: str, kind: WindowKind = "promotion") -> PriceWindow:
        """``NAME=START..END`` (dates YYYY-MM-DD), as the command line takes a window."""
        name, sep, span = text.partition("=")
        first, dots, last = span.partition("..")
        if not sep or not dots or not name.strip():
            raise ValueError(f"not a window: {text!r} (expected NAME=YYYY-MM-DD..YYYY-MM-DD)")
        try:
            start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        except ValueError:
            raise ValueError(f"not a window: {text!r} (dates are YYYY-MM-DD)") from None
        return cls(kind=kind, name=name.strip(), start=start, end=end)


def active(windows: Iterable[PriceWindow], kind: WindowKind, at: datetime) -> PriceWindow | None:
    """The first window of ``kind`` that holds ``at``."""
    return next((w for w in windows if w.kind == kind and w.holds(at)), None)


def between(history: Sequence[PricePoint], since: datetime, before: datetime) -> list[PricePoint]:
    """The points seen in [since, before) that have a price."""
    return [p for p in history if p.price is not None and since <= p.when < before]


def days_before(at: datetime, days: int) -> datetime:
    return at - timedelta(days=days)
