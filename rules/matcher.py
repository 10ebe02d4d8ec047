"""All packs' text matchers compiled together, matched in one pass over a normalised field.

Literal terms, exclusions and co-terms of every rule share one Aho-Corasick automaton whose
values list the (rule, role, term) that own each key, so matching costs grow with the text and
not with the number of terms. Pinyin of the phonetic rules' terms lives in a second automaton.
Regexes run in RE2 (``rules.patterns``: linear in the text whatever the pattern); one Set of
all of them tells in one pass which occur in a field, and only those are run for their spans.
Fuzzy terms are per rule: analysts write few of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import ahocorasick
from rapidfuzz import fuzz

from rules.model import FuzzySpec, Pack, PackSet, Rule, TermSpec
from rules.normalize import Normalized, is_ascii_alnum, normalize_term
from rules.patterns import Pattern, PatternSet, compile_pattern
from rules.phonetic import Phonetic, is_cjk, phonetic, term_pinyin
from rules.segment import boundaries, defilled, dictionary_words, is_word

#: Roles of a literal key: a term, a compound exclusion (holds a term of its rule: 象牙白), a
#: co-term, a context exclusion (a word near the hit: 毛绒 for 穿山甲).
TERM, EXCLUDE, REQUIRE, CONTEXT = 0, 1, 2, 3
MIN_PURE_HOMOPHONE = 3  # all-CJK homophones of shorter terms need a word of the pack nearby
#: Phonetic hits of terms this short (xiang ya for 象牙) need a word of the same pack nearby.
SHORT_PHONETIC = 2
#: A term this long (in Chinese characters) is also found with one of its characters written
#: as the initial of its pinyin (穿山j片 for 穿山甲片, 米f司酮): two characters stay as written.
MIN_INITIAL_TERM = 3
Span = tuple[int, int]


_HAS_LATIN = re.compile(r"[a-z]")


def initial_variants(key: str) -> list[str]:
    """The normalised term ``key`` with one Chinese character put as its pinyin initial
    (穿山甲片 → j for 甲: 穿山j片), or two characters side by side (三唑仑 → sz仑, 金钱龟 →
    jq龟), for terms of ``MIN_INITIAL_TERM`` characters or more, all Chinese, a character of
    the term always left standing."""
    if len(key) < MIN_INITIAL_TERM or not all(is_cjk(c) for c in key):
        return []
    initials = [term_pinyin(ch)[:1] for ch in key]
    ok = [i.isascii() and i.isalpha() for i in initials]
    out = [key[:k] + initials[k] + key[k + 1 :] for k in range(len(key)) if ok[k]]
    out += [
        key[:k] + initials[k] + initials[k + 1] + key[k + 2 :]
        for k in range(len(key) - 1)
        if ok[k] and ok[k + 1]
    ]
    return out


def _utf8(text: str) -> str:
    """UTF-8 bytes as a str of code points < 256.

    pyahocorasick finds a node's child by scanning its children; over characters the root has
    thousands (one per first character of a term), over UTF-8 bytes at most a few hundred.
    """
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def _byte_to_char(text: str) -> list[int]:
    out: list[int] = []
    for i, c in enumerate(text):
        o = ord(c)
        out.extend([i] * (1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4))
    return out


class KeyAutomaton:
    """Aho-Corasick over UTF-8 bytes of the keys; yields matches as character offsets."""

    def __init__(self, entries: dict[str, Any]):
        self._auto = ahocorasick.Automaton()
        for key, value in entries.items():
            self._auto.add_word(_utf8(key), (len(key), value))
        self._auto.make_automaton()

    def __len__(self) -> int:
        return len(self._auto)

    def iter(self, text: str) -> Iterator[tuple[int, int, Any]]:
        """(start, end, value) of every key occurring in ``text``, in character offsets."""
        encoded = _utf8(text)
        b2c: list[int] | None = None
        for last, (n_chars, value) in self._auto.iter(encoded):
            if encoded is text:
                end = last + 1
            else:
                if b2c is None:  # built on the first match only: most texts match nothing
                    b2c = _byte_to_char(text)
                end = b2c[last] + 1
            yield end - n_chars, end, value


@dataclass
class CompiledRule:
    """A rule with its pack and everything precomputed for matching."""

    index: int
    pack_index: int
    pack: Pack
    rule: Rule
    full_id: str
    terms: list[TermSpec]
    #: The terms normalised, in the same order (what the text is compared with).
    keys: list[str]
    regexes: list[Pattern]
    fuzzy: list[tuple[str, FuzzySpec]]
    categories: list[str] | None


@dataclass(slots=True)
class Candidate:
    """A text match before exclusions, as normalised offsets."""

    rule: int
    start: int
    end: int
    via: str
    term: str
    note: str = ""
    #: Found with fillers taken out (象x牙): its word boundaries were checked then.
    defilled: bool = False


@dataclass
class FieldMatches:
    candidates: list[Candidate] = field(default_factory=list)
    #: (start, end, is_context) of each exclusion occurring, by rule.
    exclusions: dict[int, list[tuple[int, int, bool]]] = field(default_factory=dict)
    coterms: dict[int, list[Span]] = field(default_factory=dict)
    #: Where any term or co-term of a pack occurs (supporting context), by pack index.
    words: dict[int, list[Span]] = field(default_factory=dict)


def _overlaps(c: Candidate, others: list[Candidate]) -> bool:
    return any(o.rule == c.rule and o.start < c.end and c.start < o.end for o in others)


def _holds_term(cr: CompiledRule, terms: list[str], word: str) -> bool:
    """Whether an exclusion is a compound of one of the rule's (normalised) ``terms`` or
    patterns (象牙白 of 象牙), or of a homophone of one (仿真墙): it cancels the hit it holds;
    any other exclusion is a context word."""
    if any(t in word for t in terms) or any(p.search(word) for p in cr.regexes):
        return True
    # 仿真墙 for 仿真枪: a homophone compound of a phonetic rule
    if not cr.rule.phonetic:
        return False
    sound = term_pinyin(word)
    return any(t and term_pinyin(t) in sound for t in terms if len(t) > 1)


def _ordinary_phrase(text: str, start: int, end: int, term: str) -> bool:
    """Whether ``text[start:end]``, which sounds like ``term`` (as long), is ordinary words
    that keep a word of the term (two characters or more) and put other whole words for the
    rest: 台湾/后 for 台湾猴. A name spelled otherwise changes characters inside its words
    (曲/玛多 for 曲马多, 三/挫/仑 for 三唑仑, 川山甲)."""
    edges = sorted(k for k in boundaries(text) if start <= k <= end)
    pieces = [(a - start, b - start) for a, b in zip(edges, edges[1:], strict=False)]
    written = text[start:end]
    if len(pieces) < 2 or not all(is_word(written[a:b]) for a, b in pieces):
        return False
    kept = [(a, b) for a, b in pieces if written[a:b] == term[a:b]]
    replaced = [(a, b) for a, b in pieces if (a, b) not in kept]
    return any(b - a > 1 for a, b in kept) and all(
        all(written[k] != term[k] for k in range(a, b)) for a, b in replaced
    )


def _gap(a: Span, b: Span) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, a[0] - b[1], b[0] - a[1])


def _aligned(norm: Normalized, start: int, end: int) -> bool:
    """A span starts and ends on word edges: inside a run of ASCII letters and digits the
    edges the seller wrote, elsewhere the segmenter's."""
    text = norm.text
    for k in (start, end):
        if 0 < k < len(text) and is_ascii_alnum(text[k - 1]) and is_ascii_alnum(text[k]):
            if not norm.is_word_edge(k):
                return False
        elif k not in norm.breaks and k not in boundaries(text):
            return False  # a space or mark the seller wrote is a word edge too
    return True


#: Words that deny what follows: 非树脂, 不是玩具 claim the goods are real, so the context
#: word after them (树脂, 玩具) clears nothing.
_NEGATIONS = ("非", "不是", "并非", "绝非", "绝不是")


def _negated(text: str, start: int) -> bool:
    """A context word at ``start`` follows a negation (非树脂, 不是玩具)."""
    return any(text.startswith(neg, start - len(neg)) for neg in _NEGATIONS if start >= len(neg))


@lru_cache(maxsize=8192)
def _everyday_characters(term: str) -> bool:
    """Every character of the term is in GB 2312, the everyday set: sellers disguise the
    names they and the filters know, not a bird's name in a character of Extension B."""
    try:
        term.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _own_characters(written: str, term: str) -> bool:
    """The Chinese characters of a mixed spelling are the term's own, in its order: 象ya and
    bing毒 spell 象牙 and 冰毒, but 宝pi (a homophone and a syllable) is not 豹皮."""
    rest = iter(term)
    return all(ch in rest for ch in written if is_cjk(ch))


def all_latin_ok(norm: Normalized, start: int, end: int) -> bool:
    """A spelling that mixes characters and Latin letters (象ya, 穿山jia) uses whole runs of
    letters the seller wrote: its edges inside a Latin run are the run's edges. A spelling all
    in letters (xiangya, chuan shan jia) may end between the syllables of a longer run."""
    text = norm.text
    if not any(is_cjk(c) for c in text[start:end]):
        return True
    return norm.is_word_edge(start) and norm.is_word_edge(end)


class Matcher:
    """Compiled text matchers of a pack set."""

    def __init__(self, packset: PackSet):
        self.rules: list[CompiledRule] = []
        literal: dict[str, list[tuple[int, int, int]]] = {}
        sounds: dict[str, list[tuple[int, int, int]]] = {}
        initials: dict[str, list[tuple[int, int]]] = {}
        for p_i, pack in enumerate(packset.packs):
            for rule in pack.rules:
                cr = self._compile(len(self.rules), p_i, pack, rule)
                self.rules.append(cr)
                terms = cr.keys
                for t_i, key in enumerate(terms):
                    literal.setdefault(key, []).append((cr.index, TERM, t_i))
                    if rule.phonetic and len(key) >= 2 and any(is_cjk(c) for c in key):
                        sounds.setdefault(term_pinyin(key), []).append((cr.index, t_i, len(key)))
                        for variant in initial_variants(key):
                            initials.setdefault(variant, []).append((cr.index, t_i))
                for word in rule.exclude:
                    key = normalize_term(word)
                    role = EXCLUDE if _holds_term(cr, terms, key) else CONTEXT
                    literal.setdefault(key, []).append((cr.index, role, -1))
                for word in rule.require_any:
                    literal.setdefault(normalize_term(word), []).append((cr.index, REQUIRE, -1))
        self.literal = self._automaton(
            {k: (is_ascii_alnum(k[0]), is_ascii_alnum(k[-1]), refs) for k, refs in literal.items()}
        )
        self.phonetic = self._automaton(sounds)
        self.has_phonetic = bool(sounds)
        # A variant that is itself a term (or an exclusion) is the seller's word, not an initial.
        self.initials = self._automaton({k: v for k, v in initials.items() if k not in literal})
        #: Every rule's patterns in one Set: a field is scanned once to learn which occur.
        self.patterns = [(cr.index, p) for cr in self.rules for p in cr.regexes]
        self.pattern_set = PatternSet([p for _, p in self.patterns]) if self.patterns else None

    @staticmethod
    def _compile(index: int, p_i: int, pack: Pack, rule: Rule) -> CompiledRule:
        return CompiledRule(
            index=index,
            pack_index=p_i,
            pack=pack,
            rule=rule,
            full_id=f"{pack.id}.{rule.id}",
            terms=(specs := rule.term_specs()),
            keys=[normalize_term(spec.term) for spec in specs],
            regexes=[compile_pattern(p) for p in rule.regex],
            fuzzy=[(normalize_term(f.term), f) for f in rule.fuzzy],
            categories=[normalize_term(c) for c in rule.categories] if rule.categories else None,
        )

    @staticmethod
    def _automaton(entries: dict[str, Any]) -> KeyAutomaton | None:
        entries = {k: v for k, v in entries.items() if k}
        return KeyAutomaton(entries) if entries else None

    def match_field(self, norm: Normalized, active: set[int]) -> FieldMatches:
        """Match the rules in ``active`` (rule indices) against one normalised field."""
        out = FieldMatches()
        text = norm.text
        if not text or not active:
            return out
        if self.literal is not None:
            for start, end, (left, right, refs) in self.literal.iter(text):
                if (left and not norm.is_word_edge(start)) or (
                    right and not norm.is_word_edge(end)
                ):
                    continue  # an ASCII term inside a longer ASCII word
                self._literal(refs, start, end, active, out, norm=norm)
            out.candidates = [c for c in out.candidates if self._on_word_edges(c, norm)]
            self._match_defilled(text, active, out)
        if self.pattern_set is not None:
            for k in self.pattern_set.occurring(text):
                r_i, pattern = self.patterns[k]
                if r_i in active:
                    out.candidates += [
                        Candidate(r_i, start, end, "regex", pattern.source)
                        for start, end in pattern.spans(text)
                    ]
        if self.has_phonetic and any(self.rules[r].rule.phonetic for r in active):
            self._match_phonetic(norm, phonetic(norm), active, out)
            self._match_initials(norm, active, out)
        self._match_fuzzy(text, active, out)
        out.candidates = [c for c in out.candidates if self._kept(c, out)]
        return out

    def _literal(
        self,
        refs,
        start: int,
        end: int,
        active: set[int],
        out: FieldMatches,
        filled: bool = False,
        norm: Normalized | None = None,
    ) -> None:
        for r_i, role, t_i in refs:
            if role in (TERM, REQUIRE):
                out.words.setdefault(self.rules[r_i].pack_index, []).append((start, end))
            if r_i not in active:
                continue
            if role == TERM:
                spec = self.rules[r_i].terms[t_i]
                out.candidates.append(
                    Candidate(r_i, start, end, "term", spec.term, spec.note, defilled=filled)
                )
            elif role == EXCLUDE:
                if not filled:
                    out.exclusions.setdefault(r_i, []).append((start, end, False))
            elif role == CONTEXT:
                # A context word counts where it stands as a word: 非处方 in 非处方药, not in
                # 西地那非 处方药.
                if (
                    not filled
                    and (norm is None or _aligned(norm, start, end))
                    and not (norm is not None and _negated(norm.text, start))
                ):
                    out.exclusions.setdefault(r_i, []).append((start, end, True))
            elif not filled and (norm is None or _aligned(norm, start, end)):
                # A co-term counts where it stands as a word (肉 in 虎肉, not in 牛肉干).
                out.coterms.setdefault(r_i, []).append((start, end))

    def _match_defilled(self, text: str, active: set[int], out: FieldMatches) -> None:
        """Terms a seller broke up with a filler (象x牙, 犀之角): found in the text without its
        fillers, kept only where a filler lay inside the term and the term stands as a word
        there, so that taking fillers out makes no new word of two."""
        fill = defilled(text)
        if fill is None or self.literal is None:
            return
        for s2, e2, (_, _, refs) in self.literal.iter(fill.text):
            start, end = fill.span(s2, e2)
            if end - start == e2 - s2:
                continue  # no filler inside: matched on the text itself
            edges = boundaries(fill.text)
            refs = [
                ref
                for ref in refs
                if ref[1] == TERM and (self.rules[ref[0]].rule.subword or {s2, e2} <= edges)
            ]
            self._literal(refs, start, end, active, out, filled=True)

    def _on_word_edges(self, c: Candidate, norm: Normalized) -> bool:
        """A term stands as a word (or its rule lets it match inside one)."""
        return self.rules[c.rule].rule.subword or _aligned(norm, c.start, c.end)

    def _kept(self, c: Candidate, out: FieldMatches) -> bool:
        """Exclusions and co-terms: a compound cancels the hits inside it and the hits it
        shares two characters or more with (植物象牙 cancels 象牙雕刻 in 植物象牙雕刻;
        西地那非 keeps its hit beside 非处方药 written across 西地那非 处方药, one character
        shared), a context word and a co-term count within the rule's window."""
        rule = self.rules[c.rule].rule
        span = (c.start, c.end)
        for start, end, context in out.exclusions.get(c.rule, ()):
            if start <= c.start and c.end <= end:
                return False  # the hit lies in a harmless compound (象牙白) or a context word
            if not context and min(end, c.end) - max(start, c.start) >= 2:
                return False  # a compound across the hit (植物象牙 in 植物象牙雕刻)
            if context and _gap((start, end), span) <= rule.window:
                return False  # a context word on or near the hit (穿山甲 … 毛绒)
        if rule.require_any and not any(
            _gap(near, span) <= rule.window for near in out.coterms.get(c.rule, ())
        ):
            return False
        return True

    def _match_phonetic(
        self, norm: Normalized, ph: Phonetic, active: set[int], out: FieldMatches
    ) -> None:
        plain = list(out.candidates)
        for start, end, refs in self.phonetic.iter(ph.text):
            if start not in ph.boundaries or end not in ph.boundaries:
                continue
            ns, ne = ph.norm_span(start, end)
            written = norm.text[ns:ne]
            latin = any(c.isascii() and c.isalpha() for c in written)
            for r_i, t_i, n_chars in refs:
                if r_i not in active:
                    continue
                short_pure = n_chars < MIN_PURE_HOMOPHONE and not latin
                if short_pure and (n_chars < 2 or dictionary_words().get(written)):
                    continue  # 小气 for 消气: a word of the dictionary, however rare
                spec = self.rules[r_i].terms[t_i]
                if latin and not all_latin_ok(norm, ns, ne):
                    continue  # 为ma in 华为mate: the seller wrote "mate", not the syllable ma
                key = self.rules[r_i].keys[t_i]
                if latin and not _own_characters(written, key):
                    continue  # 宝pi is not 豹皮: a mixed spelling keeps the term's characters
                if not latin and (ne - ns != n_chars or not _aligned(norm, ns, ne)):
                    # A homophone puts one character for each of the term's (撕面 is not
                    # 司米安, though both read simian) and stands as a word of the text: 照可塑
                    # in 照/可/塑封 is no drug's name.
                    continue
                if not latin and written != key and is_word(written):
                    continue  # an ordinary word or name that sounds like the term
                if not latin and not _everyday_characters(spec.term):
                    continue  # 大框 for 大𫛭: nobody disguises a name written in rare characters
                all_latin = not any(is_cjk(ch) for ch in written)
                if (
                    (all_latin or short_pure)
                    and n_chars <= SHORT_PHONETIC
                    and not self._supported(r_i, (ns, ne), out)
                ):
                    # xiangya alone may be a name (湘雅); 象芽 needs 手镯 or 老料 beside it;
                    # 象ya, bing毒 are not names and need nothing
                    continue
                if (
                    not latin
                    and _ordinary_phrase(norm.text, ns, ne, key)
                    and not self._supported(r_i, (ns, ne), out)
                ):
                    # 来到台湾后 reads as 台湾猴: ordinary words one after the other (台湾, 后)
                    # are a phrase that sounds like the name, not a name spelled otherwise
                    # (川山甲, 三挫仑); they count only beside a word of the pack
                    continue
                cand = Candidate(r_i, ns, ne, "phonetic", spec.term, spec.note)
                if not _overlaps(cand, plain):
                    out.candidates.append(cand)

    def _match_initials(self, norm: Normalized, active: set[int], out: FieldMatches) -> None:
        """A term with one character written as its pinyin initial (穿山j片), or two side by
        side (sz仑): the letters stand alone (no letter or digit beside them in the text) and
        the span stands as a word; two initials say less, so they need a word of the pack
        within the window (sz仑 安眠, not a model code such as kt板). All initials (csj) are
        not read: too many brand and file names are three letters (amy, xml)."""
        text = norm.text
        if self.initials is None or text.isascii() or not _HAS_LATIN.search(text):
            return  # no letter: nothing to read as an initial
        plain = list(out.candidates)
        for start, end, refs in self.initials.iter(text):
            letters = [k for k in range(start, end) if text[k].isascii()]
            if not letters or len(letters) > 2 or letters[-1] - letters[0] != len(letters) - 1:
                continue
            first, last = letters[0], letters[-1]
            if (first > 0 and is_ascii_alnum(text[first - 1])) or (
                last + 1 < len(text) and is_ascii_alnum(text[last + 1])
            ):
                continue  # part of a longer run of letters (a model number, a word)
            for r_i, t_i in refs:
                if r_i not in active:
                    continue
                if not (self.rules[r_i].rule.subword or _aligned(norm, start, end)):
                    continue
                if len(letters) == 2 and not self._supported(r_i, (start, end), out):
                    continue
                spec = self.rules[r_i].terms[t_i]
                cand = Candidate(r_i, start, end, "phonetic", spec.term, spec.note)
                if not _overlaps(cand, plain):
                    out.candidates.append(cand)

    def _supported(self, r_i: int, span: Span, out: FieldMatches) -> bool:
        """Another word of the rule's pack, or one of its co-terms, within its window. A
        single character (豹, 虎: species names of one character) is no support: it stands in
        too many words (豹纹)."""
        window = self.rules[r_i].rule.window
        near = [*out.words.get(self.rules[r_i].pack_index, ()), *out.coterms.get(r_i, ())]
        return any(
            w[1] - w[0] > 1 and (w[1] <= span[0] or w[0] >= span[1]) and _gap(w, span) <= window
            for w in near
        )

    def _match_fuzzy(self, text: str, active: set[int], out: FieldMatches) -> None:
        for r_i in active:
            for key, spec in self.rules[r_i].fuzzy:
                if len(text) < len(key):
                    continue
                al = fuzz.partial_ratio_alignment(key, text, score_cutoff=spec.min_similarity)
                if al is None or al.dest_end <= al.dest_start:
                    continue
                note = "；".join(x for x in (spec.note, f"相似度 {al.score:.0f}") if x)
                cand = Candidate(r_i, al.dest_start, al.dest_end, "fuzzy", spec.term, note)
                if not _overlaps(cand, out.candidates):
                    out.candidates.append(cand)
