"""One lead as an investigator works it (``wangjian leads show``): what it is about, each
rule hit in the text around it with its legal basis, the region and what placed it, the
evidence and its hashes, the price history and the status history.

Read in one read-only session; ``render`` gives the Chinese text, seller text escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.labels import (
    category_label,
    field_label,
    kind_label,
    region_source_label,
    status_label,
)
from rules.terminal import escape_controls
from store import places
from store.evidence import captures_of_lead
from store.export import local_time
from store.leads import lead_events, region_of_lead
from store.models import Ad, Lead, Listing, Observation, RuleHit, Shop

#: Characters of the field's text shown on each side of a hit.
CONTEXT = 24


def local_text(value: datetime) -> str:
    return local_time(value).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class HitView:
    rule_id: str
    field: str
    matched: str
    before: str
    after: str
    legal_basis: str
    note: str
    evidence: dict[str, Any] | None = None  # what a check judged by (``RuleHit.evidence``)


@dataclass
class LeadDossier:
    lead: Lead
    kind: str
    platform: str
    external_id: str
    title: str
    url: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    region_code: str | None = None
    region_source: str = ""
    hits: list[HitView] = field(default_factory=list)
    evidence: list[Any] = field(default_factory=list)
    prices: list[Observation] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    vanished_at: Any = None  # when a sweep no longer found the listing

    def render(
        self,
        titles: dict[str, str] | None = None,
        below_hit: Callable[[HitView], list[str]] | None = None,
    ) -> str:
        """The Chinese text; ``below_hit`` gives lines shown (indented) under a hit."""
        e = escape_controls
        lead = self.lead
        lines = [
            f"线索 {lead.id}  {category_label(lead.category, titles)}  分值 {lead.score:g}  "
            f"状态 {status_label(str(lead.status))}"
            + ("  （已不再命中）" if lead.cleared_at else "")
            + (
                f"  （商品已下架：{local_text(self.vanished_at)}起未再发现）"
                if self.vanished_at
                else ""
            ),
            f"对象: {kind_label(self.kind)}  平台 {self.platform}  编号 {e(self.external_id)}",
            f"标题: {e(self.title)}",
            f"网址: {e(self.url)}",
            f"首次发现 {local_text(lead.first_seen)}，最近发现 {local_text(lead.last_seen)}，"
            f"规则包版本 {lead.pack_version}",
        ]
        lines += [f"{name}: {e(value)}" for name, value in self.facts]
        region = places.region_name(self.region_code) if self.region_code else None
        lines.append(
            f"属地: {self.region_code} {region or ''}（依据：{self.region_source}）"
            if self.region_code
            else "属地: 未能确定（无有效统一社会信用代码、营业执照住所或发货地）"
        )
        lines.append(f"命中 {len(self.hits)} 条:")
        for hit in self.hits:
            where = field_label(hit.field)
            if hit.matched:
                text = f"…{e(hit.before)}【{e(hit.matched)}】{e(hit.after)}…"
            else:
                text = e(hit.note) or "（结构检查）"
            lines.append(f"  {hit.rule_id}  {where}: {text}")
            if hit.legal_basis:
                lines.append(f"    依据: {hit.legal_basis}")
            if below_hit is not None:
                lines += [f"    {e(line)}" for line in below_hit(hit)]
        lines.append(f"取证 {len(self.evidence)} 份:" if self.evidence else "取证: 无")
        for capture in self.evidence:
            lines.append(f"  {local_text(capture.captured_at)}  {e(capture.url)}")
            for f in capture.files:
                lines.append(f"    {f.role:<18} {f.sha256}  {f.size:>9,} 字节  {f.path}")
        if self.prices:
            lines.append("价格记录:")
            for p in self.prices:
                original = f"（划线价 {p.original_price}）" if p.original_price is not None else ""
                lines.append(f"  {local_text(p.observed_at)}  {p.price}{original}")
        lines.append("状态记录:" if self.events else "状态记录: 无（待核查）")
        for ev in self.events:
            note = f"：{e(ev.note)}" if ev.note else ""
            lines.append(
                f"  {local_text(ev.at)}  {e(ev.by)}  {status_label(ev.from_status)} → "
                f"{status_label(ev.to_status)}{note}"
            )
        return "\n".join(lines) + "\n"


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    return text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT]


def _field_text(target: Any, name: str) -> str:
    names = {"title": ("title", "name", "text"), "shop_text": ("shop_text",)}
    for attr in names.get(name, (name,)):
        value = getattr(target, attr, None)
        if isinstance(value, str):
            return value
    return ""


def lead_dossier(s: Session, lead_id: int) -> LeadDossier | None:
    lead = s.get(Lead, lead_id)
    if lead is None:
        return None
    target = lead.listing or lead.shop or lead.ad
    kind = lead.target_kind
    title = getattr(target, "title", None) or getattr(target, "name", None) or target.text
    url = getattr(target, "url", None) or getattr(target, "page_url", "")
    dossier = LeadDossier(
        lead, kind, target.platform.code, target.external_id, title or "", url or ""
    )
    shop = target if isinstance(target, Shop) else getattr(target, "shop", None)
    if isinstance(target, Ad) and target.target_external_id:
        advertised = s.scalars(
            select(Listing).where(
                Listing.platform_id == target.platform_id,
                Listing.external_id == target.target_external_id,
            )
        ).first()
        if advertised is not None:
            dossier.facts.append(("推广商品", f"{advertised.external_id} {advertised.title}"))
            shop = advertised.shop
            target_for_region = advertised
        else:
            target_for_region = None
    else:
        target_for_region = target if isinstance(target, Listing) else None
    if isinstance(target, Listing):
        dossier.vanished_at = target.vanished_at
        if target.price is not None:
            dossier.facts.append(("价格", f"{target.price}"))
        if target.ship_from:
            dossier.facts.append(("发货地", target.ship_from))
    if shop is not None:
        dossier.facts.append(("店铺", f"{shop.name or '（店铺页未读取）'}  {shop.url}"))
        if shop.company_name:
            dossier.facts.append(("企业名称", shop.company_name))
        if shop.uscc:
            valid = {True: "有效", False: "校验失败", None: "未校验"}[shop.uscc_valid]
            dossier.facts.append(("统一社会信用代码", f"{shop.uscc}（{valid}）"))
    code, source = region_of_lead(s, lead.id)
    dossier.region_code = code
    dossier.region_source = _basis(source, shop, target_for_region)
    hits = s.scalars(
        select(RuleHit)
        .where(
            getattr(RuleHit, f"{kind}_id") == target.id,
            RuleHit.pack_id == lead.category,
        )
        .order_by(RuleHit.id)
    )
    for hit in hits:
        text = _field_text(target, hit.field)
        before, after = _context(text, hit.start, hit.end) if hit.start >= 0 else ("", "")
        dossier.hits.append(
            HitView(
                hit.rule_id,
                hit.field,
                hit.matched,
                before,
                after,
                hit.legal_basis,
                hit.note,
                hit.evidence,
            )
        )
    dossier.evidence = captures_of_lead(s, lead)
    if isinstance(target, Listing):
        dossier.prices = list(
            s.scalars(
                select(Observation)
                .where(Observation.listing_id == target.id, Observation.price.is_not(None))
                .order_by(Observation.observed_at)
            )
        )
    dossier.events = lead_events(s, lead.id)
    return dossier


def _basis(source: str | None, shop: Shop | None, listing: Listing | None) -> str:
    """What placed the lead (``store.leads.region_of_lead``), in words with the evidence."""
    if source == "uscc" and shop is not None:
        return f"店铺统一社会信用代码 {shop.uscc} 的登记机关代码"
    if source == "licence_address" and shop is not None:
        return f"店铺营业执照住所「{shop.licence_address}」"
    if source == "listing_ship_from" and listing is not None:
        return f"商品发货地「{listing.ship_from}」"
    if source == "ship_from":
        return "店铺多数商品的发货地"
    return region_source_label(source)
