"""The Scorer: every pack compiled once, each record's fields normalised once, one verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rules.checks import CHECKS, Finding
from rules.licence_text import completed
from rules.loader import load_packs
from rules.matcher import CompiledRule, Matcher
from rules.model import PackSet
from rules.normalize import Normalized, normalize
from rules.price_checks import PRICE_HISTORY_CHECKS
from rules.record import TEXT_FIELDS, Hit, Record, Verdict


def as_record(record: Record | dict[str, Any] | str) -> Record:
    """A Record from a Record, a mapping (extra keys ignored) or a listing title."""
    if isinstance(record, Record):
        return record
    if isinstance(record, str):
        return Record(title=record)
    return Record.model_validate(record)


def _outermost(pairs: list[tuple[CompiledRule, Hit]]) -> list[tuple[CompiledRule, Hit]]:
    """One rule's hits without those inside another of its hits in the same field.

    象牙手镯 and 象牙 on the same span say one thing; a reviewer reads the longer one.
    """
    kept: list[tuple[CompiledRule, Hit]] = []
    for pair in sorted(pairs, key=lambda p: (p[1].field, p[1].start, -p[1].end)):
        hit = pair[1]
        if kept:
            last = kept[-1][1]
            if last.field == hit.field and last.start <= hit.start and hit.end <= last.end:
                continue
        kept.append(pair)
    return kept


class Scorer:
    """Scores records against a pack set compiled once at construction."""

    @classmethod
    def load(cls, path: Path | str | None = None) -> Scorer:
        """The packs at ``path`` (None: the shipped ones) compiled; PackError if one is bad."""
        return cls(load_packs(path))

    def __init__(self, packset: PackSet):
        self.packset = packset
        self.matcher = Matcher(packset)
        self._checks = {kind: cls() for kind, cls in CHECKS.items()}
        self._field_order = {f: i for i, f in enumerate((*TEXT_FIELDS, "record"))}
        self._versions = packset.versions()

    def __deepcopy__(self, memo: dict | None = None) -> Scorer:
        """The scorer itself: it is not changed after construction, and Scrapy deep-copies
        its settings (which carry the scorer to the pipelines) twice a crawl, which cost
        half a second of every start."""
        return self

    @property
    def history_days(self) -> int:
        """Days of price history before a sighting (or its window) that the packs' checks
        read; 0 when none reads any, and nobody need look the history up."""
        days = [
            rule.check.days
            for pack in self.packset.packs
            for rule in pack.rules
            if rule.check is not None and rule.check.kind in PRICE_HISTORY_CHECKS
        ]
        return max(days, default=0)

    def applicable(self, record: Record, category: Normalized) -> list[CompiledRule]:
        """Rules whose kinds and categories admit the record."""
        out = []
        for cr in self.matcher.rules:
            if record.kind not in cr.rule.kinds:
                continue
            if cr.categories is not None and not any(c in category.text for c in cr.categories):
                continue
            out.append(cr)
        return out

    def normalized(self, record: Record) -> dict[str, Normalized]:
        """Each text field of the record, normalised (once)."""
        return {f: normalize(getattr(record, f) or "") for f in TEXT_FIELDS}

    def score(self, record: Record | dict[str, Any] | str) -> Verdict:
        """Score one record against every loaded pack."""
        record = completed(as_record(record))  # a shop's licence read from its text too
        norms = self.normalized(record)
        rules = self.applicable(record, norms["category"])
        text_hits = self._text_hits(rules, norms)
        hits = text_hits + self._check_hits(rules, record, text_hits)
        hits.sort(
            key=lambda h: (h[0].pack_index, h[0].index, self._field_order[h[1].field], h[1].start)
        )
        return self._verdict(record, [h for _, h in hits])

    def _text_hits(self, rules: list[CompiledRule], norms: dict[str, Normalized]):
        text_rules = [cr for cr in rules if cr.rule.check is None]
        found: dict[int, list[tuple[CompiledRule, Hit]]] = {}
        for fname in TEXT_FIELDS:
            active = {cr.index for cr in text_rules if fname in cr.rule.fields}
            norm = norms[fname]
            if not active or not norm.text:
                continue
            fm = self.matcher.match_field(norm, active)
            seen: set[tuple] = set()
            for c in fm.candidates:
                key = (c.rule, c.start, c.end, c.via, c.term)
                if key in seen:
                    continue
                seen.add(key)
                cr = self.matcher.rules[c.rule]
                start, end = norm.original_span(c.start, c.end)
                hit = self._hit(
                    cr, fname, start, end, norm.original[start:end], c.term, c.via, c.note
                )
                found.setdefault(c.rule, []).append((cr, hit))
        out = []
        for pairs in found.values():
            out += _outermost(pairs)
        return out

    def _check_hits(self, rules: list[CompiledRule], record: Record, text_hits):
        out = []
        for cr in rules:
            spec = cr.rule.check
            if spec is None:
                continue
            check = self._checks[spec.kind]
            if getattr(check, "uses_hits", False):
                fired = {c.rule.id for c, _ in text_hits if c.pack_index == cr.pack_index}
                note = check.run(record, spec, fired)
            else:
                note = check.run(record, spec)
            if note is None:
                continue
            evidence = None
            if isinstance(note, Finding):
                note, evidence = note
            hit = self._hit(cr, "record", -1, -1, "", spec.kind, "check", note)
            if evidence is not None:
                hit.evidence = evidence
            out.append((cr, hit))
        return out

    @staticmethod
    def _hit(
        cr: CompiledRule,
        fname: str,
        start: int,
        end: int,
        matched: str,
        term: str,
        via: str,
        note: str,
    ) -> Hit:
        # Built from validated packs with known types: skip re-validation on the hot path.
        return Hit.model_construct(
            pack_id=cr.pack.id,
            pack_version=cr.pack.version,
            rule_id=cr.full_id,
            severity=cr.rule.severity,
            weight=cr.rule.weight,
            field=fname,
            start=start,
            end=end,
            matched=matched,
            term=term,
            via=via,  # type: ignore[arg-type]
            note=note,
            legal_basis=cr.rule.legal_basis,
        )

    def _verdict(self, record: Record, hits: list[Hit]) -> Verdict:
        fired_rules: dict[str, set[str]] = {p.id: set() for p in self.packset.packs}
        weights: dict[str, float] = {}
        for h in hits:
            fired_rules[h.pack_id].add(h.rule_id)
            weights[h.rule_id] = h.weight
        scores = {pid: float(sum(weights[r] for r in rids)) for pid, rids in fired_rules.items()}
        categories = sorted(p.id for p in self.packset.packs if scores[p.id] >= p.threshold)
        return Verdict.model_construct(
            id=record.id,
            score=float(sum(scores.values())),
            lead=bool(categories),
            categories=categories,
            pack_scores=scores,
            pack_versions=dict(self._versions),
            hits=hits,
        )
