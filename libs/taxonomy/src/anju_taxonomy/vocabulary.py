"""The index built once over the data, and the readers over it: read, similarity, autocomplete."""

from __future__ import annotations

import bisect
import gc
import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import replace

from rapidfuzz import fuzz, process

from anju_taxonomy.details import (
    CERT_EN,
    CERT_TAIL,
    CERTIFIED,
    GRADE,
    LEVEL_WORDS,
    LICENCE_IMPLIES,
    SKILLED,
    TRADE_CERT,
    YEARS,
    cn_number,
    take_years,
    trailing_years,
    years_in,
)
from anju_taxonomy.lexicon import (
    ACTIONS,
    BRACKET_CHARS,
    BRACKETS,
    COMPOUND_MARK,
    COMPOUND_YEARS,
    CONFIDENCE,
    CONJ,
    CONJ_CHARS,
    FARM_ACTIONS,
    FARM_SECTORS,
    GENERIC_HEADS,
    LEAD,
    NOISE_CHARS,
    QUALIFIERS,
    ROLES,
    SPLIT,
    SPLIT_AT,
    TRAIL,
    WORKPLACE,
    WORKPLACE_SECTOR_WORDS,
    remove_outside,
    scan_keys,
    spaced_pieces,
    strip_prefix,
    strip_suffix,
    verb_forms,
)
from anju_taxonomy.loader import Data
from anju_taxonomy.model import (
    LEVEL_ZH,
    Certificate,
    CertificateHit,
    Completion,
    Context,
    Credit,
    Level,
    Occupation,
    Reading,
    Trade,
    TradeHit,
    reading,
    trade_hit,
)
from anju_taxonomy.text import (
    HAN,
    ONLY_HAN,
    clean,
    english_key,
    initials,
    is_polyphonic,
    phrase_pinyin,
    pinyin,
    squeeze,
)

_NO_SECTORS: frozenset[str] = frozenset()  # what a hit of one trade is decided with: nothing


def _merge(first: TradeHit, later: TradeHit) -> TradeHit:
    """One trade named twice in an entry (会开叉车，有叉车证): keep the first, add what the later says."""
    level = first.level
    if later.level is not None and (level is None or later.level.rank > level.rank):
        level = later.level
    years = max((y for y in (first.years, later.years) if y is not None), default=None)
    return replace(first, certified=first.certified or later.certified, years=years, level=level)


def _add_hit(hits: list[TradeHit], hit: TradeHit) -> None:
    """Add a hit to an entry's, or merge it into the one of its trade already there."""
    for k, had in enumerate(hits):
        if had.trade_id == hit.trade_id:
            hits[k] = _merge(had, hit)
            return
    hits.append(hit)


class Vocabulary:
    """Trades, occupations and certificates with every lookup structure built once."""

    def __init__(self, data: Data, extra_aliases: Mapping[str, str] | None = None) -> None:
        self.data = data
        self.trades = data.trades
        self.certificates = data.certificates
        self.extra_aliases = dict(extra_aliases or {})
        self.exact: dict[str, tuple[str, ...]] = {}
        self.how: dict[str, str] = {}
        self.variant: dict[str, tuple[str, ...]] = {}
        self.pinyin: dict[str, tuple[str, ...]] = {}
        self.initials: dict[str, tuple[str, ...]] = {}
        self.english: dict[str, tuple[str, ...]] = {}
        self.cert_keys: dict[str, str] = {}
        self.hints: dict[str, str] = {}
        self._cache: dict[tuple[str, Context], Reading] = {}
        self._plain: dict[str, Reading] = {}  # readings without context
        self._parts: dict[str, tuple[tuple[_Segment, float | None], ...]] = {}
        self._pieces: dict[str, tuple[_Segment, float | None]] = {}
        self._word_sectors: dict[str, frozenset[str]] = {}
        self._segments: dict[str, _Segment] = {}
        self._neighbours: dict[str, tuple[tuple[str, float, str, str], ...]] = {}
        self._related_ids: dict[str, set[str]] = {}
        for t in self.trades.values():
            for r in t.related:
                self._related_ids.setdefault(t.id, set()).add(r.id)
                self._related_ids.setdefault(r.id, set()).add(t.id)
        self._same: dict[str, tuple[str, ...]] = {}
        for pair in data.same:
            a, b = sorted(pair)
            self._same[a] = (*self._same.get(a, ()), b)
            self._same[b] = (*self._same.get(b, ()), a)
        self._wholes: dict[str, tuple[tuple[str, ...], str] | None] = {}
        self._build()
        # The index is a few hundred thousand objects that live as long as the process and hold no cycles
        # (a vocabulary replaced by with_aliases is freed by reference counting). Left in the collector's
        # oldest generation, every full collection walks all of them again while readings are cached, about
        # a sixth of a cold read; frozen, the collector only walks what reading creates.
        gc.collect()
        gc.freeze()

    # ------------------------------------------------------------------ building
    @staticmethod
    def _add(table: dict[str, tuple[str, ...]], key: str, ident: str) -> None:
        if not key:
            return
        have = table.get(key, ())
        if ident not in have:
            table[key] = (*have, ident)

    def _names(self, t: Trade) -> list[str]:
        return [t.zh, t.en, t.id.replace("_", " "), *t.aliases, *(a for a, _ in t.regional)]

    def _build(self) -> None:
        for t in self.trades.values():
            for name in self._names(t):
                self._add_name(name, t.id, "exact")
        for o in self.data.occupations.values():
            # The classification's own name for an occupation only one trade falls under (制鞋工, 家禽饲养员).
            key = squeeze(clean(o.name))
            if (
                o.level == 4
                and len(o.trades) == 1
                and o.trades[0] in self.trades
                and key not in self.exact
                and ONLY_HAN.match(key)
            ):
                self._add_name(o.name, o.trades[0], "exact")
        for alias, ident in self.extra_aliases.items():
            if ident in self.trades:
                self._add_name(alias, ident, "alias")
        for a in self.data.ambiguous:
            key = squeeze(clean(a.alias))
            self.exact[key] = tuple(a.trades)
            self.hints[key] = a.hint_zh
            self.pinyin[pinyin(key)] = tuple(a.trades)
            self.pinyin[phrase_pinyin(key)] = tuple(a.trades)
        for a in self.data.ambiguous:
            # An ambiguous name with a trade suffix (钣金 -> 钣金工, 木工 -> 木工师傅) is as ambiguous as the
            # name, even when the data gives it to one of the trades: the workplace decides.
            key = squeeze(clean(a.alias))
            for suffix in ("工", "师傅", "师", "工人"):
                longer = key + suffix
                have = self.exact.get(longer)
                if have and len(have) == 1 and have[0] in a.trades and longer not in self.hints:
                    self.exact[longer] = (have[0], *(t for t in a.trades if t != have[0]))
                    self.hints[longer] = a.hint_zh
        for c in self.certificates.values():
            for name in (c.zh, c.en, *c.aliases):
                key = squeeze(clean(name))
                if key:
                    self.cert_keys.setdefault(key, c.id)
                    if HAN.search(key):
                        self.cert_keys.setdefault(key.replace("证", "").strip() + "证", c.id)
        self._operators = {
            t.id
            for t in self.trades.values()
            if any(re.search("司机|驾驶|操作|机手|飞手", n) for n in self._names(t))
        }
        self._max_len = max((len(k) for k in (*self.exact, *self.variant) if ONLY_HAN.match(k)), default=2)
        self._han_max = self._max_len
        self._exact_or_variant = frozenset((*self.exact, *self.variant))
        self._cert_max = max((len(k) for k in self.cert_keys), default=2)
        self._han_choices = [k for k in self.exact if ONLY_HAN.match(k)]
        self._han_by_len: dict[int, list[str]] = {}
        for k in self._han_choices:
            self._han_by_len.setdefault(len(k), []).append(k)
        # For fuzzy search: the names of a length and either side, and where each character stands in them.
        self._han_near: dict[int, list[str]] = {}
        self._han_postings: dict[int, dict[str, list[int]]] = {}
        for n in range(4, max(self._han_by_len, default=0) + 2):
            near = self._han_near[n] = [k for m in (n - 1, n, n + 1) for k in self._han_by_len.get(m, ())]
            postings: dict[str, list[int]] = {}
            for i, k in enumerate(near):
                for ch in set(k):
                    postings.setdefault(ch, []).append(i)
            self._han_postings[n] = postings
        self._fuzzed: dict[str, tuple[tuple[str, ...], str, float] | None] = {}
        self._en_choices = list(self.english)
        self._sector_words = self._sector_keywords()
        self._completions = self._completion_keys()
        self._physical = {
            squeeze(clean(x)): p.id
            for p in self.data.physical.values()
            for x in (p.zh, p.en, p.id.replace("_", " "), *p.aliases)
        }

    def _add_name(self, name: str, ident: str, how: str) -> None:
        key = squeeze(clean(name))
        if not key:
            return
        self._add(self.exact, key, ident)
        self.how.setdefault(key, how if how == "alias" or HAN.search(key) else "english")
        if HAN.search(key):
            core = strip_suffix(strip_prefix(key))
            if core != key and ONLY_HAN.match(core):
                self._add(self.variant, core, ident)
            if ONLY_HAN.match(key) and len(key) >= 2:
                for k in {key, core} if len(core) >= 2 else {key}:
                    self._add(self.pinyin, pinyin(k), ident)
                    if is_polyphonic(k):
                        self._add(self.pinyin, phrase_pinyin(k), ident)
                self._add(self.initials, initials(key), ident)
        else:
            self._add(self.english, english_key(key), ident)

    def _sector_keywords(self) -> dict[str, set[str]]:
        """Words that point at a sector: its names, and the names of the trades in it."""
        out: dict[str, set[str]] = {}
        for s in self.data.sectors.values():
            for word in re.split(r"[、，,/ 和与及]", clean(s.zh)):
                if len(word) >= 2:
                    out.setdefault(word, set()).add(s.id)
        return out

    # ------------------------------------------------------------------ lookups
    def trade(self, trade_id: str) -> Trade | None:
        """A trade by id."""
        return self.trades.get(trade_id)

    def certificate(self, certificate_id: str) -> Certificate | None:
        """A certificate by id."""
        return self.certificates.get(certificate_id)

    def occupation(self, code: str) -> Occupation | None:
        """An occupation of the classification with its hierarchy and the trades under it."""
        return self.data.occupations.get(code.strip())

    def label(self, trade_id: str | None, text: str = "") -> tuple[str, str]:
        """Chinese and English names of a trade, or the text itself."""
        t = self.trades.get(trade_id) if trade_id else None
        return (t.zh, t.en) if t else (text, text)

    def licences(self, trade_id: str | None) -> frozenset[str]:
        """Certificates the law requires for a trade (only the mandatory ones of its licences)."""
        t = self.trades.get(trade_id) if trade_id else None
        if t is None:
            return frozenset()
        return frozenset(c for c in t.licences if c in self.certificates and self.certificates[c].mandatory)

    def held_certificates(self, ids: Iterable[str]) -> frozenset[str]:
        """Certificates held, with the driving classes a higher class permits (机动车驾驶证申领和使用规定)."""
        out = set(ids)
        for c in list(out):
            out |= LICENCE_IMPLIES.get(c, set())
        return frozenset(out)

    def neighbours(self, trade_id: str) -> tuple[tuple[str, float, str, str], ...]:
        """Trades related to this one either way, with credit and reason (declared-distinct ones never)."""
        cached = self._neighbours.get(trade_id)
        if cached is None:
            found: dict[str, tuple[str, float, str, str]] = {}
            for other in self._related_ids.get(trade_id, ()):
                credit, why_zh, why_en = self.relation(trade_id, other)
                if credit > 0:
                    found[other] = (other, credit, why_zh, why_en)
            cached = tuple(sorted(found.values()))
            self._neighbours[trade_id] = cached
        return cached

    def is_entry_level(self, trade_id: str | None) -> bool:
        """Entry-level trades (普工, 包装工 ...) are learnt on the job."""
        t = self.trades.get(trade_id) if trade_id else None
        return bool(t and t.entry_level)

    def _whole(self, key: str) -> tuple[tuple[str, ...], str] | None:
        """Trades for a whole key: exact, affix variants, English, pinyin, homophones, initials."""
        if key in self._wholes:
            return self._wholes[key]
        found = self._find_whole(key)
        if len(self._wholes) >= 200_000:
            self._wholes.clear()
        self._wholes[key] = found
        return found

    def _find_whole(self, key: str) -> tuple[tuple[str, ...], str] | None:
        hit = self.exact.get(key)
        if hit:
            return hit, self.how.get(key, "exact")
        if HAN.search(key):
            core = strip_suffix(strip_prefix(key))
            # 挖掘机操作手 is the excavator driver; 搬家公司司机 is not the removal worker: a driving or
            # operating role only carries over to trades that are driving or operating work.
            role = key != core and key.endswith(ROLES)
            tries = [
                core,
                *(core + s for s in ("工", "师", "员", "手", "司机", "操作工")),
                strip_prefix(key),
            ]
            for k in tries:
                if k != key and k in self.exact and (not role or set(self.exact[k]) & self._operators):
                    return self.exact[k], "variant"
            for k in (key, core):
                if k in self.variant and (not role or k == key or set(self.variant[k]) & self._operators):
                    return self.variant[k], "variant"
            if ONLY_HAN.match(key) and len(key) >= 2:
                for k in (key, core):
                    py = pinyin(k)
                    if py in self.pinyin and len(k) >= 2:
                        if k == core and role and not set(self.pinyin[py]) & self._operators:
                            continue
                        return self.pinyin[py], "homophone"
            return None
        en = english_key(key)
        if en in self.english:
            return self.english[en], "english"
        flat = key.replace(" ", "").replace("-", "")
        if flat.isalpha():
            if flat in self.pinyin and len(flat) >= 4:
                return self.pinyin[flat], "pinyin"
            if 2 <= len(flat) <= 6 and len(self.initials.get(flat, ())) == 1:
                return self.initials[flat], "initials"
        return None

    def _fuzzy(self, key: str) -> tuple[tuple[str, ...], str, float] | None:
        """The conservative fuzzy match of a key, once per key (many pieces come down to the same core)."""
        if key in self._fuzzed:
            return self._fuzzed[key]
        found = self._find_fuzzy(key)
        if len(self._fuzzed) >= 100_000:
            self._fuzzed.clear()
        self._fuzzed[key] = found
        return found

    def _han_candidates(self, key: str) -> list[str]:
        """The names of about key's length that can score 80 by fuzz.ratio against it, in their order."""
        n = len(key)
        near, postings = self._han_near.get(n, []), self._han_postings.get(n, {})
        # fuzz.ratio is 200 * common / (len(key) + len(name)) with common <= the characters shared, so a name
        # of n - 1 characters or more needs need shared characters to reach 80.
        need = (2 * (2 * n - 1) + 4) // 5
        # A name with none of the characters of `picked` shares at most n - covered of key's: once they cover
        # more than n - need of its positions, every name that can score has one of them.
        counts: dict[str, int] = {}
        for c in key:
            counts[c] = counts.get(c, 0) + 1
        found: set[int] = set()
        covered = 0
        for c in sorted(counts, key=lambda c: (len(postings.get(c, ())), c)):
            found.update(postings.get(c, ()))
            covered += counts[c]
            if covered > n - need:
                break
        return [near[i] for i in sorted(found)]

    def _find_fuzzy(self, key: str) -> tuple[tuple[str, ...], str, float] | None:
        if ONLY_HAN.match(key):
            if len(key) < 4:
                return None
            best = process.extractOne(key, self._han_candidates(key), scorer=fuzz.ratio, score_cutoff=80)
            if best:
                return self.exact[best[0]], best[0], float(best[1]) / 100.0 * 0.8
            return None
        if HAN.search(key) or not self._en_choices:
            return None
        en = english_key(key)
        close = [
            (fuzz.ratio(en, choice), choice)
            for choice, _, _ in process.extract(
                en, self._en_choices, scorer=fuzz.token_set_ratio, score_cutoff=90, limit=10
            )
            if min(len(en), len(choice)) / max(len(en), len(choice)) >= 0.8
        ]
        if close:
            score, choice = max(close)
            return self.english[choice], choice, 0.8 * max(score, 90) / 100.0
        best = process.extractOne(en, self._en_choices, scorer=fuzz.ratio, score_cutoff=88)
        if best:
            return self.english[best[0]], best[0], float(best[1]) / 100.0 * 0.8
        return None

    def physical(self, text: str) -> str:
        """A physical requirement or limitation -> its canonical id, else the cleaned text."""
        key = squeeze(clean(text))
        return self._physical.get(key, key)

    # ------------------------------------------------------------------ reading
    def read(self, text: str, context: Context | None = None) -> Reading:
        """Everything a string says: trades, years, level, certificates, and what stayed unknown."""
        if context is None:
            cached = self._plain.get(text)
            if cached is None:
                cached = self._read(text, None)
                if len(self._plain) >= 200_000:
                    self._plain.clear()
                self._plain[text] = cached
            return cached
        cache_key = (text, context)
        known = self._cache.get(cache_key)
        if known is not None:
            return known
        reading = self._read(text, context)
        if len(self._cache) >= 200_000:
            self._cache.clear()
        self._cache[cache_key] = reading
        return reading

    def _read(self, text: str, context: Context | None) -> Reading:
        value = clean(text)
        if not value:
            return Reading(text=text)
        key = squeeze(value)
        if COMPOUND_MARK.search(key) or COMPOUND_YEARS.search(key):
            # Separators or experience (电焊、普工3年): only a name written exactly so can be the whole entry.
            exact = self.exact.get(key)
            whole = (exact, self.how.get(key, "exact")) if exact else None
        else:
            whole = self._whole(key)
        if whole and len(whole[0]) == 1 and whole[1] != "variant":
            # The common case, one known name: nothing to split, qualify or decide.
            t = self.trades[whole[0][0]]
            only = trade_hit(
                t.id, t.zh, t.en, CONFIDENCE.get(whole[1], 0.8), key, whole[1], (), "", "", None, None, False
            )
            return reading(text, (only,), (), None, None, (), ())
        if whole:
            pieces = [self._segment(key)]
        else:
            pieces = []
            parts = self._parts
            for part in SPLIT.split(value) if SPLIT_AT.search(value) else (value,):
                known = parts.get(part)
                if known is None:
                    cut = trailing_years(part) if part.endswith("年") else None
                    if cut is not None:
                        # 普工12年 is 普工 with 12 years: the part without them is memoised, not every count.
                        rest = parts.get(cut[1])
                        if rest is None:
                            rest = self._part(cut[1])
                            if len(parts) >= 200_000:
                                parts.clear()
                            parts[cut[1]] = rest
                        if rest:
                            pieces += rest
                            pieces[-1] = (pieces[-1][0], cut[0])
                            continue
                    known = self._part(part)
                    if len(parts) >= 200_000:
                        parts.clear()
                    parts[part] = known
                pieces += known
        return reading(text, *self._combine(pieces, context))

    def _part(self, part: str) -> tuple[tuple[_Segment, float | None], ...]:
        """The pieces of one part of an entry between separators: outside and inside brackets, and either
        side of a conjunction (会开挖掘机和装载机)."""
        part = part.strip()
        if not part:
            return ()
        if not BRACKET_CHARS.search(part):
            squeezed = squeeze(part)
            if CONJ_CHARS.search(squeezed):
                return tuple(self._segment(piece) for piece in CONJ.split(squeezed))
            return (self._segment(squeezed),)
        inner = BRACKETS.findall(part)
        outer = BRACKETS.sub(" ", part).strip()
        out = [self._segment(piece) for piece in (CONJ.split(squeeze(outer)) if outer else [])]
        out.extend(self._segment(squeeze(x.strip())) for x in inner if x.strip())
        return tuple(out)

    def _combine(self, pieces: list[tuple[_Segment, float | None]], context: Context | None) -> _Shape:
        """The trades, certificates, years, level, unknown words and sectors of an entry's pieces."""
        for done, _ in pieces:
            if not done.plain:
                break
        else:
            return self._combine_plain(pieces)
        # A piece with only a level, years or 持证 qualifies the trade before it (缝纫（熟练）, 电焊，3年).
        # Memoised segments are shared and never changed, so a group lists its pieces with their years.
        groups: list[list[tuple[_Segment, float | None]]] = []
        pending: list[tuple[_Segment, float | None]] = []
        needs_context = workplaces = False
        for done, years in pieces:
            if years is None or (done.years is not None and years <= done.years):
                years = done.years
            if done.workplaces:
                workplaces = True
            if done.hits:
                if done.ambiguous:
                    needs_context = True
                if pending:
                    pending.insert(0, (done, years))
                    groups.append(pending)
                    pending = []
                else:
                    groups.append([(done, years)])
            elif groups and not done.certificates and not done.unknown:
                groups[-1].append((done, years))
            else:
                pending.append((done, years))
        if pending:
            if groups:
                groups[-1].extend(pending)
            else:
                groups = [[p] for p in pending]
        if needs_context or workplaces:
            words = [w for g in groups for seg, _ in g for w in seg.workplaces]
            sectors = self._context_sectors(words, context)
        else:
            sectors = set()
        others: set[str] = set()
        if needs_context:
            for g in groups:
                others.update(g[0][0].single)
            others = self._context_trades(context) | others
        hits: list[TradeHit] = []
        certs: list[CertificateHit] = []
        unknown: list[str] = []
        all_years: float | None = None
        all_level: Level | None = None
        for group in groups:
            seg, years = group[0]
            level, certified, found, words = seg.level, seg.certified, seg.certificates, seg.unknown
            if len(group) > 1:
                found, words = list(found), list(words)
                for o, more in group[1:]:
                    if more is not None:
                        years = max(years or 0.0, more)
                    if o.level is not None and (level is None or o.level.rank > level.rank):
                        level = o.level
                    certified = certified or o.certified
                    found.extend(o.certificates)
                    words.extend(o.unknown)
            made: Iterable[TradeHit | None] = (
                [self._decide(raw, sectors, others, years, level, certified) for raw in seg.hits]
                if seg.ambiguous
                else self._group_hits(seg, years, level, certified)
            )
            for hit in made:
                if hit is not None:
                    _add_hit(hits, hit)
            if found:
                certs.extend(c for c in found if c.certificate_id not in {x.certificate_id for x in certs})
            if words:
                unknown.extend(u for u in words if u not in unknown)
            if years is not None and (all_years is None or years > all_years):
                all_years = years
            if level is not None and (all_level is None or level.rank > all_level.rank):
                all_level = level
        if certs:
            held = {c.certificate_id for c in certs}
            hits = [
                replace(h, certified=True)
                if not h.certified and held & set(self.trades[h.trade_id].licences)
                else h
                for h in hits
            ]
        return (
            tuple(hits),
            tuple(certs) if certs else (),
            all_years,
            all_level,
            tuple(unknown) if unknown else (),
            tuple(sorted(sectors)) if sectors else (),
        )

    def _combine_plain(self, pieces: list[tuple[_Segment, float | None]]) -> _Shape:
        """_combine for the common entry, pieces of trades and qualifiers only (电焊3年、普工（熟练）):
        nothing to decide, certify or set aside, so each group is folded as it closes."""
        hits: list[TradeHit] | None = None
        trades: tuple[TradeHit, ...] = ()
        all_years: float | None = None
        all_level: Level | None = None
        head: _Segment | None = None  # the first piece of the open group
        years: float | None = None
        level: Level | None = None
        certified = False
        before: list[tuple[float | None, Level | None, bool]] = []  # pieces without trades before the first
        for done, more in pieces:
            if more is None or (done.years is not None and more <= done.years):
                more = done.years
            if done.hits:
                if head is not None:
                    found = self._group_hits(head, years, level, certified)
                    if hits is None:
                        hits = list(trades)
                    for hit in found:
                        _add_hit(hits, hit)
                    if years is not None and (all_years is None or years > all_years):
                        all_years = years
                    if level is not None and (all_level is None or level.rank > all_level.rank):
                        all_level = level
                head, years, level, certified = done, more, done.level, done.certified
                if not before:
                    continue
                qualifiers, before = before, []
            else:
                qualifiers = [(more, done.level, done.certified)]
                if head is None:
                    before.extend(qualifiers)
                    continue
            for q_years, q_level, q_certified in qualifiers:
                if q_years is not None:
                    years = max(years or 0.0, q_years)
                if q_level is not None and (level is None or q_level.rank > level.rank):
                    level = q_level
                certified = certified or q_certified
        if head is not None:
            found = self._group_hits(head, years, level, certified)
            if hits is None and not trades:
                trades = found
            else:
                if hits is None:
                    hits = list(trades)
                for hit in found:
                    _add_hit(hits, hit)
            before = [(years, level, certified)]
        for q_years, q_level, _ in before:
            if q_years is not None and (all_years is None or q_years > all_years):
                all_years = q_years
            if q_level is not None and (all_level is None or q_level.rank > all_level.rank):
                all_level = q_level
        return (tuple(hits) if hits is not None else trades), (), all_years, all_level, (), ()

    def _group_hits(
        self, seg: _Segment, years: float | None, level: Level | None, certified: bool
    ) -> tuple[TradeHit, ...]:
        """The hits of a segment that names no ambiguous trade, with a group's qualifiers: they depend on
        nothing else, and hits are frozen, so the segment keeps them per qualifiers (an entry made of one
        such piece shares the tuple as its trades)."""
        made = seg.made
        if made is None:
            made = seg.made = {}
        # by the level's fields: hashing a Level itself calls its dataclass __hash__ in Python
        key = (years, certified) if level is None else (years, certified, level.rank, level.zh, level.grade)
        found = made.get(key)
        if found is None:
            hits: list[TradeHit] = []
            for raw in seg.hits:
                hit = self._decide(raw, _NO_SECTORS, _NO_SECTORS, years, level, certified)
                if hit is not None:
                    _add_hit(hits, hit)
            found = made[key] = tuple(hits)
        return found

    def _segment(self, text: str) -> tuple[_Segment, float | None]:
        """One piece of an entry, read once per process (pieces repeat across entries: 电焊, 3年, 普工): what
        the piece without its years says (shared: never changed), and its years."""
        known = self._pieces.get(text)
        if known is None:
            raw = text
            years = None
            if "年" in text or "月" in text or "year" in text or "yr" in text:
                years, text = take_years(text)
            done = self._segments.get(text)
            if done is None:
                done = self._read_segment(text).done()
                if len(self._segments) >= 200_000:
                    self._segments.clear()
                self._segments[text] = done
            if len(self._pieces) >= 200_000:
                self._pieces.clear()
            self._pieces[raw] = known = (done, years)
        return known

    def _read_segment(self, text: str) -> _Segment:
        seg = _Segment()
        s = text
        whole = self._whole(s)
        if whole:
            seg.hits.append(_RawHit(whole[0], whole[1], s))
            if whole[1] == "variant":
                seg.certified = any(s.startswith(w) for w in CERTIFIED)
                if any(s.startswith(w) for w in SKILLED):
                    seg.level = Level(rank=2, zh="熟练")
            return seg
        found = years_in(s)
        if found is not None:
            seg.years = found
            s = YEARS.sub(" ", s)
        # level (not inside a known name: 足浴技师 keeps its 技师); the known names are looked for only when
        # a level word is there to remove (None: not looked for since s last changed)
        protected: list[tuple[int, int]] | None = None
        grade_m = GRADE.search(s)
        if grade_m:
            g = grade_m.group(2) or grade_m.group(1)
            grade = int(g) if g.isdigit() else int(cn_number(g))
            rank = 6 - grade
            seg.level = Level(rank=rank, zh=LEVEL_ZH[rank], grade=grade)
            s = GRADE.sub(" ", s)
        for word, rank in LEVEL_WORDS:
            if word not in s:
                continue
            if protected is None:
                protected = self._known_spans(s)
            s, n = remove_outside(s, word, protected)
            if n:
                protected = None
                if seg.level is None or rank > seg.level.rank:
                    seg.level = Level(rank=rank, zh=LEVEL_ZH[rank], grade=6 - rank)
        # (the spans stay as they were before a 熟练 or 持证 went: the words are blanked, not cut out)
        for word in SKILLED:
            if word not in s:
                continue
            if protected is None:
                protected = self._known_spans(s)
            s, n = remove_outside(s, word, protected)
            if n and seg.level is None:
                seg.level = Level(rank=2, zh="熟练")
        for word in CERTIFIED:
            if word not in s:
                continue
            if protected is None:
                protected = self._known_spans(s)
            s, n = remove_outside(s, word, protected)
            if n:
                seg.certified = True
        # certificates: 焊工证, 叉车证 (and the trade they imply)
        s = self._certificates(s, seg)
        for piece in spaced_pieces(s):
            self._trades_in(piece, seg)
        return seg

    def _certificates(self, s: str, seg: _Segment) -> str:
        if "证" not in s and not CERT_EN.search(s):
            return s
        # Certificates known by name (焊工证, 叉车证, N1证), longest first, and the trade each implies.
        for start, end, key in reversed(scan_keys(s, self.cert_keys, self._cert_max)):
            cid = self.cert_keys[key]
            self._add_cert(seg, cid, key)
            stem = CERT_TAIL.sub("", key[:-1] if key.endswith("证") else "")
            hit = self._whole(stem) if len(stem) >= 2 else None
            ids = hit[0] if hit else tuple(t.id for t in self.trades.values() if cid in t.licences)
            if len(ids) == 1:
                seg.hits.append(_RawHit(ids, "certificate", key, certified=True))
            s = s[:start] + " " + s[end:]
        # A trade's name + 证 (电工证, 厨师证) names that trade's licence.
        for m in reversed(list(TRADE_CERT.finditer(s))):
            stem = CERT_TAIL.sub("", m.group(1))
            for n in range(len(stem), 1, -1):
                hit = self._whole(stem[-n:])
                if hit and len(hit[0]) == 1:
                    t = self.trades[hit[0][0]]
                    for lic in t.licences:
                        self._add_cert(seg, lic, m.group(0))
                    seg.hits.append(_RawHit(hit[0], "certificate", m.group(0), certified=True))
                    s = s[: m.start() + len(stem) - n] + " " + s[m.end() :]
                    break
        return s

    def _known_spans(self, s: str) -> list[tuple[int, int]]:
        return [(a, b) for a, b, _ in scan_keys(s, self.exact, self._han_max)]

    def _add_cert(self, seg: _Segment, cid: str, alias: str) -> None:
        c = self.certificates.get(cid)
        if c and cid not in {x.certificate_id for x in seg.certificates}:
            seg.certificates.append(CertificateHit(c.id, c.zh, c.en, alias))

    def _trades_in(self, piece: str, seg: _Segment) -> None:
        """Trades inside one piece of text: whole, after dropping lead/trail words, then by parts."""
        s = piece.strip()
        if not s:
            return
        places = len(seg.workplaces)
        s = self._drop_workplace(s, seg)
        if len(seg.workplaces) > places:
            start = len(seg.hits)
            self._trades_after_workplace(s, seg)
            self._narrow_by_workplace(seg, seg.workplaces[places], start)
            return
        self._trades_after_workplace(s, seg)

    def _narrow_by_workplace(self, seg: _Segment, workplace: str, start: int) -> None:
        """养鸡场饲养员 is a poultry keeper: a workplace named after a trade (养鸡) narrows a broader
        neighbouring trade read after it (饲养员) to that trade."""
        m = WORKPLACE.fullmatch(workplace)
        stem = m.group(1) if m else ""
        found = self._whole(stem) if len(stem) >= 2 else None
        if not found or len(found[0]) != 1:
            return
        narrow = found[0][0]
        for k in range(start, len(seg.hits)):
            raw = seg.hits[k]
            if len(raw.trade_ids) == 1 and self.relation(raw.trade_ids[0], narrow)[0] > 0:
                seg.hits[k] = _RawHit((narrow,), "variant", raw.alias, certified=raw.certified)

    def _trades_after_workplace(self, s: str, seg: _Segment) -> None:
        if not s or s in LEAD or s in TRAIL or all(c in NOISE_CHARS for c in s):
            return
        hit = self._whole(s)
        if hit:
            seg.hits.append(_RawHit(hit[0], hit[1], s))
            return
        if self._qualified(s, seg):
            return
        core = s
        changed = True
        while changed:
            changed = False
            if core.startswith(LEAD):
                for w in LEAD:
                    if core.startswith(w) and len(core) - len(w) >= 2:
                        core, changed = core[len(w) :], True
                        break
            if core.endswith(TRAIL):
                for w in TRAIL:
                    if core.endswith(w) and len(core) - len(w) >= 2:
                        core, changed = core[: -len(w)], True
                        break
        if core != s:
            hit = self._whole(core)
            if hit:
                seg.hits.append(_RawHit(hit[0], hit[1], core))
                return
            if self._qualified(core, seg):
                return
        for form in verb_forms(core):
            hit = self._whole(form)
            if hit:
                seg.hits.append(_RawHit(hit[0], "variant", core))
                return
        named = self._name_with_action(core)
        if named:
            seg.hits.append(_RawHit(named, "variant", core))
            return
        if not ONLY_HAN.match(core):
            fz = self._fuzzy(core)
            if fz:
                seg.hits.append(_RawHit(fz[0], "fuzzy", core, confidence=fz[2]))
            elif core.strip():
                seg.unknown.append(core.strip())
            return
        # Chinese: the longest known names inside, left to right. When they cover the piece (电焊气割) each is
        # a trade; otherwise only the head, the name the piece ends with, is (面包车司机 is a driver, not a
        # baker), and the rest stays visible as unknown.
        matches = scan_keys(core, self._exact_or_variant, self._max_len)
        covered: set[int] = set()
        for a, b, _ in matches:
            covered.update(range(a, b))
        left = "".join(c for k, c in enumerate(core) if k not in covered and c not in NOISE_CHARS)
        # 挖掘机维修 is neither the excavator driver nor a repair trade: a name + an action is another trade.
        action_head = len(matches) > 1 and matches[-1][2] in ACTIONS
        if matches and not left and not action_head:
            for _, _, m in matches:
                seg.hits.append(_RawHit(self.exact.get(m) or self.variant[m], "part", m))
            return
        if matches and matches[-1][1] != len(core):
            # The scan is greedy from the left (电子产品检验员 finds 品检 first): look for the longest name
            # the piece ends with too.
            for n in range(min(self._max_len, len(core) - 1), 1, -1):
                tail = core[-n:]
                if tail in self.exact or tail in self.variant:
                    cut = len(core) - n
                    matches = [x for x in matches if x[1] <= cut] + [(cut, len(core), tail)]
                    break
        head_ok = bool(matches) and matches[-1][1] == len(core) and not action_head
        if head_ok:
            # A two-character head under an unknown modifier of two or more (健身教练, 货运司机) is too
            # little to go on: it stays unknown rather than read as 教练 or 司机.
            a = matches[-1][0]
            modifier = "".join(c for c in core[:a] if c not in NOISE_CHARS)
            head_ok = matches[-1][1] - a >= 3 or len(modifier) < 2 or len(matches) > 1
        if head_ok:
            a, _, m = matches[-1]
            # A generic head (操作工, 司机) right after a known name: the name says the trade.
            if m in GENERIC_HEADS and len(matches) > 1 and matches[-2][1] == a:
                a, _, m = matches[-2]
            seg.hits.append(_RawHit(self.exact.get(m) or self.variant[m], "part", m))
            self._leftover(core[:a], seg)
            return
        fz = self._fuzzy(core)
        if fz:
            seg.hits.append(_RawHit(fz[0], "fuzzy", core, confidence=fz[2]))
            return
        seg.unknown.append(s)

    def _name_with_action(self, core: str) -> tuple[str, ...] | None:
        """A known name + the action its own trade does: 果树修剪工, 肉牛养殖 (farm work on a crop or animal),
        断桥门窗安装 (门窗安装工 installs); 挖掘机维修 stays apart (the excavator driver repairs nothing)."""
        stem = core[:-1] if core.endswith(("工", "员")) else core
        if not stem.endswith(ACTIONS):
            return None
        for act in ACTIONS:
            if not stem.endswith(act) or len(stem) - len(act) < 2:
                continue
            found = self._whole(stem[: -len(act)])
            if not found or len(found[0]) != 1 or found[0][0] not in self.trades:
                continue
            t = self.trades[found[0][0]]
            if (act in FARM_ACTIONS and t.sector in FARM_SECTORS) or act in t.zh:
                return found[0]
        return None

    def _qualified(self, s: str, seg: _Segment) -> bool:
        """A place or kind of post before a known name (医院陪护): the name, the place as context."""
        if not s.startswith(QUALIFIERS):
            return False
        for q in QUALIFIERS:
            if s.startswith(q) and len(s) - len(q) >= 2:
                hit = self._whole(s[len(q) :])
                if hit:
                    seg.workplaces.append(q)
                    seg.hits.append(_RawHit(hit[0], "variant", s))
                    return True
        return False

    def _leftover(self, text: str, seg: _Segment) -> None:
        left = "".join(c for c in text if c not in NOISE_CHARS)
        for w in (*LEAD, *TRAIL):
            if left == w:
                return
        if len(left) >= 2 or (left and not HAN.match(left)):
            seg.unknown.append(left)

    def _drop_workplace(self, s: str, seg: _Segment) -> str:
        m = WORKPLACE.search(s)
        if not m or (m.end() == len(s) and m.start() == 0):
            return s
        for lead in LEAD:
            if m.group(1).startswith(lead) and len(m.group(1)) > len(lead):
                seg.workplaces.append(m.group(1)[len(lead) :] + m.group(2))
                break
        else:
            seg.workplaces.append(m.group(0))
        return (s[: m.start()] + s[m.end() :]).strip()

    # ------------------------------------------------------------------ context
    def sectors_of(self, words: Iterable[str]) -> set[str]:
        """Sectors named by workplace or employer words (服装厂 -> garment)."""
        out: set[str] = set()
        for w in words:
            known = self._word_sectors.get(w)
            if known is None:
                c = clean(w)
                hints = {h for word, hs in WORKPLACE_SECTOR_WORDS.items() if word in c for h in hs}
                found: set[str] = set()
                for word, ids in self._sector_words.items():
                    if word in c or any(h in word for h in hints):
                        found |= ids
                known = frozenset(found)
                if len(self._word_sectors) >= 100_000:
                    self._word_sectors.clear()
                self._word_sectors[w] = known
            out |= known
        return out

    def _context_sectors(self, words: list[str], context: Context | None) -> set[str]:
        out: set[str] = set()
        if context is not None:
            if context.sector:
                if context.sector in self.data.sectors:
                    out.add(context.sector)
                else:
                    words.append(context.sector)
            if context.employer_name:
                words.append(context.employer_name)
        return out | self.sectors_of(words)

    def _context_trades(self, context: Context | None) -> set[str]:
        if context is None or not context.skills:
            return set()
        out: set[str] = set()
        for s in context.skills:
            r = self.read(s)
            out |= {h.trade_id for h in r.trades if not h.alternatives}
        return out

    def _decide(
        self,
        raw: _RawHit,
        sectors: Set[str],
        others: Set[str],
        years: float | None,
        level: Level | None,
        certified: bool,
    ) -> TradeHit | None:
        if len(raw.trade_ids) == 1:
            one = raw.trade_ids[0]
            t1 = self.trades.get(one)
            if t1 is None:
                return None
            return trade_hit(
                one,
                t1.zh,
                t1.en,
                raw.score,
                raw.alias,
                raw.how,
                (),
                "",
                "",
                years,
                level,
                certified or raw.certified,
            )
        ids = [i for i in raw.trade_ids if i in self.trades]
        if not ids:
            return None
        how = raw.how
        confidence = raw.confidence if raw.confidence is not None else CONFIDENCE.get(how, 0.8)
        reason_zh = reason_en = ""
        alternatives: tuple[str, ...] = ()
        chosen = ids[0]
        if len(ids) > 1:
            scores = {i: self._fit(i, sectors, others) for i in ids}
            best = max(scores.values())
            top = [i for i in ids if scores[i] == best]
            names_zh = "或".join(self.trades[i].zh for i in ids)
            names_en = " or ".join(self.trades[i].en for i in ids)
            if best > 0 and len(top) == 1:
                chosen = top[0]
                t = self.trades[chosen]
                why_zh, why_en = self._why(chosen, sectors, others)
                reason_zh = f"“{raw.alias}”可指{names_zh}，根据{why_zh}理解为{t.zh}"
                reason_en = f"'{raw.alias}' can mean {names_en}; read as {t.en} from {why_en}"
                confidence = min(confidence, CONFIDENCE["context"])
                how = "context" if how in ("exact", "part", "variant") else how
                alternatives = tuple(i for i in ids if i != chosen)
            else:
                hint = self.hints.get(raw.alias, "")
                reason_zh = f"“{raw.alias}”可指{names_zh}，上下文无法确定" + (f"（{hint}）" if hint else "")
                reason_en = f"'{raw.alias}' can mean {names_en}; the context does not say which"
                confidence = CONFIDENCE["ambiguous"]
                how = "ambiguous"
                alternatives = tuple(i for i in ids if i != chosen)
        t = self.trades[chosen]
        return TradeHit(
            trade_id=chosen,
            zh=t.zh,
            en=t.en,
            confidence=round(confidence, 3),
            alias=raw.alias,
            how=how,
            alternatives=alternatives,
            reason_zh=reason_zh,
            reason_en=reason_en,
            years=years,
            level=level,
            certified=certified or raw.certified,
        )

    def _fit(self, trade_id: str, sectors: Set[str], others: Set[str]) -> float:
        t = self.trades[trade_id]
        score = 2.0 if t.sector in sectors else 0.0
        for o in others:
            if o == trade_id:
                score += 3.0
                continue
            ot = self.trades.get(o)
            if ot is None:
                continue
            score += self.relation(trade_id, o)[0] * 2 + (1.0 if ot.sector == t.sector else 0.0)
        return score

    def _why(self, chosen: str, sectors: Set[str], others: Set[str]) -> tuple[str, str]:
        t = self.trades[chosen]
        near = [
            self.trades[o] for o in sorted(others) if o in self.trades and self.trades[o].sector == t.sector
        ]
        if near:
            return (
                "同时出现的" + "、".join(x.zh for x in near[:3]),
                "the other skills (" + ", ".join(x.en for x in near[:3]) + ")",
            )
        sector = self.data.sectors.get(t.sector)
        return (
            f"{sector.zh if sector else t.sector}行业的用人单位",
            f"the {sector.en if sector else t.sector} employer",
        )

    # ------------------------------------------------------------------ similarity
    def same_as(self, trade_id: str) -> tuple[str, ...]:
        """Trades the data keeps apart that offices write as this one (公益岗保洁 and 保洁员): full credit."""
        return self._same.get(trade_id, ())

    def relation(self, a: str, b: str) -> tuple[float, str, str]:
        """Partial credit between two different trades (0 when unrelated or declared distinct; 1.0 for
        trades written as one)."""
        pair = frozenset((a, b))
        if pair in self.data.distinct:
            return 0.0, "", ""
        same = self.data.same.get(pair)
        if same is not None:
            return 1.0, same[0], same[1]
        best = (0.0, "", "")
        for x, y in ((a, b), (b, a)):
            t = self.trades.get(x)
            for r in t.related if t else ():
                if r.id == y and r.credit > best[0]:
                    best = (min(max(r.credit, 0.0), 1.0), r.why_zh, r.why_en)
        return best

    def similarity(self, a: str | Reading, b: str | Reading, context: Context | None = None) -> Credit:
        """How far a covers b: the same trade under two names 1.0, neighbours partial, otherwise 0."""
        ra = a if isinstance(a, Reading) else self.read(a, context)
        rb = b if isinstance(b, Reading) else self.read(b, context)
        if not ra.trades or not rb.trades:
            missing = [r.text for r in (ra, rb) if not r.trades]
            return Credit(
                0.0,
                "unknown",
                "未能识别：" + "、".join(missing),
                "Not understood: " + ", ".join(missing),
            )
        best: tuple[float, int, str, str, str, str] | None = None
        for ha in ra.trades:
            for hb in rb.trades:
                for ia in (ha.trade_id, *(ha.alternatives if ha.how == "ambiguous" else ())):
                    for ib in (hb.trade_id, *(hb.alternatives if hb.how == "ambiguous" else ())):
                        # An ambiguous side is read the way the other side means it.
                        picked = int(ia != ha.trade_id) + int(ib != hb.trade_id)
                        score = 1.0 if ia == ib else self.relation(ia, ib)[0]
                        key = (score, -picked, ia, ib, ha.alias, hb.alias)
                        if best is None or key[:2] > best[:2]:
                            best = key
        assert best is not None
        score, _, ia, ib, alias_a, alias_b = best
        ta, tb = self.trades[ia], self.trades[ib]
        if score >= 1.0:
            zh = f"同一工种：{ta.zh}（“{alias_a}”与“{alias_b}”）"
            en = f"Same trade: {ta.en} ('{alias_a}' and '{alias_b}')"
            if ia != ib:
                _, why_zh, why_en = self.relation(ia, ib)
                zh = f"同一工种：{ta.zh}与{tb.zh}（“{alias_a}”与“{alias_b}”）"
                zh += f"，{why_zh}" if why_zh else ""
                en = f"Same trade: {ta.en} and {tb.en} ('{alias_a}' and '{alias_b}')" + (
                    f", {why_en}" if why_en else ""
                )
            ambiguous = [
                h for h in (*ra.trades, *rb.trades) if h.how == "ambiguous" and h.alias in (alias_a, alias_b)
            ]
            if ambiguous:
                zh += f"；“{ambiguous[0].alias}”按对方理解为{ta.zh}"
                en += f"; '{ambiguous[0].alias}' read as {ta.en} to fit the other side"
            return Credit(1.0, "same", zh, en, ia, ib)
        if score > 0:
            _, why_zh, why_en = self.relation(ia, ib)
            zh = f"相近工种：{ta.zh}与{tb.zh}" + (f"，{why_zh}" if why_zh else "")
            en = f"Neighbouring trades: {ta.en} and {tb.en}" + (f", {why_en}" if why_en else "")
            return Credit(round(score, 3), "neighbour", zh, en, ia, ib)
        return Credit(
            0.0,
            "different",
            f"不同工种：{ta.zh}与{tb.zh}",
            f"Different trades: {ta.en} and {tb.en}",
            ra.trades[0].trade_id,
            rb.trades[0].trade_id,
        )

    # ------------------------------------------------------------------ autocomplete
    def _completion_keys(self) -> list[tuple[str, int, str, str, str]]:
        """(key, rank, trade id, matched name, how), sorted by key for prefix search."""
        keys: list[tuple[str, int, str, str, str]] = []
        for t in self.trades.values():
            names = [t.zh, *t.aliases, *(a for a, _ in t.regional)]
            for rank, name in enumerate(names):
                key = squeeze(clean(name))
                if not key:
                    continue
                r = 0 if rank == 0 else 1
                if HAN.search(key):
                    keys.append((key, r, t.id, name, "zh"))
                    if ONLY_HAN.match(key):
                        keys.append((pinyin(key), r + 2, t.id, name, "pinyin"))
                        if is_polyphonic(key):
                            keys.append((phrase_pinyin(key), r + 2, t.id, name, "pinyin"))
                        keys.append((initials(key), r + 4, t.id, name, "initials"))
                else:
                    keys.append((english_key(key), r + 2, t.id, name, "en"))
            words = english_key(t.en).split()
            keys.append((english_key(t.en), 2, t.id, t.en, "en"))
            for i in range(1, len(words)):
                keys.append((" ".join(words[i:]), 3, t.id, t.en, "en"))
        keys.sort()
        return keys

    def autocomplete(self, q: str, limit: int = 10) -> list[Completion]:
        """Trades whose Chinese name, pinyin, initials or English name start with q (then contain it)."""
        key = squeeze(clean(q))
        if not key:
            return []
        if not HAN.search(key):
            key = english_key(key) if " " in key else key.replace("-", "")
        scored: dict[str, tuple[tuple[int, int, str], Completion]] = {}
        lo = bisect.bisect_left(self._completions, (key,))
        for k, rank, ident, name, how in self._completions[lo:]:
            if not k.startswith(key):
                break
            self._offer(scored, ident, (0 if k == key else 1, rank, k), name, how)
        if len(scored) < limit and HAN.search(key):
            for k, rank, ident, name, how in self._completions:
                if how == "zh" and key in k and not k.startswith(key):
                    self._offer(scored, ident, (2, rank, k), name, how)
        ordered = sorted(scored.values(), key=lambda x: (x[0], x[1].trade_id))
        return [c for _, c in ordered[: max(limit, 0)]]

    def _offer(
        self,
        scored: dict[str, tuple[tuple[int, int, str], Completion]],
        ident: str,
        rank: tuple[int, int, str],
        name: str,
        how: str,
    ) -> None:
        t = self.trades[ident]
        current = scored.get(ident)
        if current is None or rank < current[0]:
            scored[ident] = (rank, Completion(t.id, t.zh, t.en, name, how))

    def with_aliases(self, aliases: Mapping[str, str]) -> Vocabulary:
        """A vocabulary that also knows these aliases (alias -> trade id), e.g. the ones admins added."""
        return Vocabulary(self.data, {**self.extra_aliases, **aliases})


class _RawHit:
    """A trade (or candidates of an ambiguous name) found in a segment, before context resolution."""

    __slots__ = ("alias", "certified", "confidence", "how", "score", "trade_ids")

    def __init__(
        self,
        trade_ids: tuple[str, ...],
        how: str,
        alias: str,
        *,
        certified: bool = False,
        confidence: float | None = None,
    ) -> None:
        self.trade_ids = trade_ids
        self.how = how
        self.alias = alias
        self.certified = certified
        self.confidence = confidence
        # what a hit of one trade says of its confidence
        self.score = round(confidence if confidence is not None else CONFIDENCE.get(how, 0.8), 3)


class _Segment:
    """What one piece of an entry said (memoised: shared between entries and never changed after)."""

    __slots__ = (
        "ambiguous",
        "certificates",
        "certified",
        "hits",
        "level",
        "made",
        "plain",
        "single",
        "unknown",
        "workplaces",
        "years",
    )

    def __init__(self) -> None:
        self.hits: list[_RawHit] = []
        self.certificates: list[CertificateHit] = []
        self.unknown: list[str] = []
        self.workplaces: list[str] = []
        self.years: float | None = None
        self.level: Level | None = None
        self.certified = False
        self.single: tuple[str, ...] = ()  # the trades of its one-trade hits, once read
        self.ambiguous = False  # a hit that names several trades, so the context decides
        self.plain = False  # nothing but trades and qualifiers: alone, it is the whole reading
        # its hits with a group's (years, level, certified), once made (see Vocabulary._group_hits)
        self.made: dict[tuple[float | bool | str | None, ...], tuple[TradeHit, ...]] | None = None

    def done(self) -> _Segment:
        """Mark it read: note what combining entries asks of it."""
        self.single = tuple(h.trade_ids[0] for h in self.hits if len(h.trade_ids) == 1)
        self.ambiguous = any(len(h.trade_ids) != 1 for h in self.hits)
        self.plain = not (self.ambiguous or self.workplaces or self.certificates or self.unknown)
        return self


_Shape = tuple[
    tuple[TradeHit, ...],
    tuple[CertificateHit, ...],
    float | None,
    Level | None,
    tuple[str, ...],
    tuple[str, ...],
]

__all__ = ["Vocabulary"]
