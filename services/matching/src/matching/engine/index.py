"""In-memory indexes of workers and jobs: numpy columns, inverted skill index, geographic grid."""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
from anju_common.events import LivelihoodType, Reason
from anju_taxonomy import Vocabulary
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from matching.engine.profiles import (
    LIVELIHOOD,
    HouseholdProfile,
    JobProfile,
    RequiredSkill,
    TrainingProfile,
    WorkerProfile,
    WorkerSkill,
)
from matching.engine.rules import (
    ENTRY_CREDIT,
    JOB_COLUMNS,
    WORKER_COLUMNS,
    Evaluation,
    Interner,
    Neighbour,
    Params,
    SkillMatch,
    as_cols,
    breakdown,
    breakdowns,
    evaluate,
    haversine_km,
    household_row,
    job_reasons,
    job_row,
    level_credit,
    reasons,
    skill_match,
    worker_row,
)

IntArray = NDArray[np.int64]


class ColumnStore:
    """Growable numpy columns, one row per aggregate."""

    def __init__(self, spec: dict[str, Any], capacity: int = 1024) -> None:
        self.spec = spec
        self.n = 0
        self.cols: dict[str, NDArray[Any]] = {k: np.zeros(capacity, dtype=dt) for k, dt in spec.items()}
        self._record = np.dtype(sorted(spec.items(), key=lambda kv: -np.dtype(kv[1]).itemsize), align=True)

    def append(self, values: dict[str, Any]) -> int:
        """Add a row; returns its number."""
        if self.n == len(next(iter(self.cols.values()))):
            self.cols = {k: np.concatenate([v, np.zeros_like(v)]) for k, v in self.cols.items()}
        row = self.n
        self.n += 1
        self.set(row, values)
        return row

    def set(self, row: int, values: dict[str, Any]) -> None:
        """Overwrite some columns of a row."""
        for k, v in values.items():
            self.cols[k][row] = v

    def records(self, rows: IntArray) -> NDArray[Any]:
        """Some rows as one contiguous record array (a record per row)."""
        out = np.empty(len(rows), dtype=self._record)
        for k, v in self.cols.items():
            out[k] = v[rows]
        return out

    def take(self, rows: IntArray) -> dict[str, NDArray[Any]]:
        """The columns of some rows."""
        return {k: v[rows] for k, v in self.cols.items()}


@dataclass(frozen=True, slots=True)
class Ranked:
    """One ranked pair with its score, breakdown and reasons."""

    worker_id: uuid.UUID
    job_id: uuid.UUID
    household_id: uuid.UUID
    site_id: uuid.UUID
    score: float
    breakdown: dict[str, float]
    distance_km: float | None
    reasons: tuple[Reason, ...]


# Gives ranked pairs their reasons (WorkerIndex.rank_unexplained).
Explainer = Callable[[Sequence[Ranked]], list[Ranked]]


def _unexplained(some: Sequence[Ranked]) -> list[Ranked]:
    """The explainer of an empty ranking."""
    return list(some)


# A worker's reach groups as columns, so candidates() tests the holders of a skill with a few comparisons.
PLACE_COLUMNS: dict[str, Any] = {
    "cell_a": np.float64,  # grid cell of the coordinates (nan without them: never inside a box)
    "cell_b": np.float64,
    "migrant_of": np.int32,  # a migrant's province id (-1 when unknown), 0 for everyone else
    "returnee_of": np.int32,  # a returnee's home county id, 0 for everyone else
    "loose_county": np.int32,  # the county id of a worker without coordinates, 0 for placed workers
}
_NO_NEIGHBOUR = -1
_Columns = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class _Credits:
    """Who holds one requirement, merged over its postings: rows in order, each row's best direct credit,
    its best credit through a neighbouring trade and which neighbour gave it (-1: none)."""

    rows: IntArray
    direct: NDArray[np.float64]
    near: NDArray[np.float64]
    near_of: IntArray
    neighbours: tuple[tuple[str, float, str, str], ...]
    places: NDArray[Any]  # the rows' place columns (PLACE_COLUMNS), a record each, contiguous


@dataclass(frozen=True, slots=True)
class _Hits:
    """One requirement's credits gathered for some rows (at: the rows' places in the merged rows)."""

    credits: _Credits
    direct: NDArray[np.float64]
    near: NDArray[np.float64]
    at: IntArray
    hit: NDArray[np.bool_]


class _Postings:
    """An inverted index key -> {row: credit}, materialised on demand as numpy arrays sorted by row."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[int, float]] = {}
        self._arrays: dict[str, tuple[IntArray, NDArray[np.float64]]] = {}

    def add(self, key: str, row: int, credit: float) -> None:
        bucket = self.rows.setdefault(key, {})
        bucket[row] = max(bucket.get(row, 0.0), credit)
        self._arrays.pop(key, None)

    def remove(self, key: str, row: int) -> None:
        bucket = self.rows.get(key)
        if bucket and bucket.pop(row, None) is not None:
            self._arrays.pop(key, None)

    def arrays(self, key: str) -> tuple[IntArray, NDArray[np.float64]]:
        cached = self._arrays.get(key)
        if cached is None:
            bucket = self.rows.get(key, {})
            rows = np.fromiter(bucket.keys(), dtype=np.int64, count=len(bucket))
            credits = np.fromiter(bucket.values(), dtype=np.float64, count=len(bucket))
            order = np.argsort(rows)  # sorted rows: skill_columns looks its candidates up by binary search
            cached = (rows[order], credits[order])
            self._arrays[key] = cached
        return cached


class _RowSets:
    """key -> set of rows, materialised as sorted arrays on demand."""

    def __init__(self) -> None:
        self.sets: dict[Any, set[int]] = {}
        self._arrays: dict[Any, IntArray] = {}

    def add(self, key: Any, row: int) -> None:
        self.sets.setdefault(key, set()).add(row)
        self._arrays.pop(key, None)

    def remove(self, key: Any, row: int) -> None:
        rows = self.sets.get(key)
        if rows is not None and row in rows:
            rows.discard(row)
            self._arrays.pop(key, None)

    def array(self, key: Any) -> IntArray:
        cached = self._arrays.get(key)
        if cached is None:
            cached = np.fromiter(sorted(self.sets.get(key, ())), dtype=np.int64)
            self._arrays[key] = cached
        return cached


class WorkerIndex:
    """Every worker as numpy columns, with the structures that find candidates for a job quickly."""

    def __init__(self, norm: Vocabulary, params: Params, names: Interner | None = None) -> None:
        self.norm = norm
        self.taxonomy = norm
        self.params = params
        self.names = names or interner(norm)
        self.store = ColumnStore(WORKER_COLUMNS)
        self.ids: list[uuid.UUID] = []
        self.tie: list[int] = []
        self.row_of: dict[uuid.UUID, int] = {}
        self.profiles: list[WorkerProfile] = []
        self.households: dict[uuid.UUID, HouseholdProfile] = {}
        self.household_rows: dict[uuid.UUID, set[int]] = {}
        self.skills = _Postings()
        self.texts = _Postings()
        self.grid = _RowSets()
        self.groups = _RowSets()  # ("migrant", province id), ("home", county id), ("county", county id)
        self.max_km = 0.0
        self.lock = threading.RLock()
        self._tie_array: IntArray | None = None
        self._text_keys: list[str] | None = None
        self._version = 0  # bumped by every change of the workers, so cached postings are dropped
        self._postings_version = 0
        self._postings_cache: dict[tuple[str | None, Any], _Credits] = {}
        self._cached_rows = 0
        self.places = ColumnStore(PLACE_COLUMNS)

    def __len__(self) -> int:
        return len(self.row_of)

    # -- updates -------------------------------------------------------------------------------
    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        g = self.params.grid_degrees
        return (math.floor(lat / g), math.floor(lon / g))

    def _place_row(self, values: dict[str, Any]) -> dict[str, Any]:
        """A worker's reach groups as columns (see PLACE_COLUMNS), from its column values."""
        g = self.params.grid_degrees
        lat, lon, live = values["lat"], values["lon"], values["live"]
        migrant = live == LIVELIHOOD[LivelihoodType.migrant]
        returnee = live == LIVELIHOOD[LivelihoodType.returnee_agriculture]
        return {
            "cell_a": float(np.floor(lat / g)),
            "cell_b": float(np.floor(lon / g)),
            "migrant_of": (values["province"] or -1) if migrant else 0,
            "returnee_of": values["home_county"] if returnee else 0,
            "loose_county": values["county"] if math.isnan(lat) or math.isnan(lon) else 0,
        }

    def _unindex(self, row: int, p: WorkerProfile) -> None:
        for s in p.skills:
            for ident in s.ids():
                self.skills.remove(ident, row)
            self.texts.remove(s.text, row)
        if p.lat is not None and p.lon is not None:
            self.grid.remove(self._cell(p.lat, p.lon), row)
        self.groups.remove(("migrant", self.names.id(p.province)), row)
        self.groups.remove(("home", self.names.id(p.home_county)), row)
        self.groups.remove(("county", self.names.id(p.county)), row)

    def _index(self, row: int, p: WorkerProfile) -> None:
        if not p.active:
            return
        for s in p.skills:
            credit = level_credit(s.level, s.certified)
            for ident in s.ids():
                self.skills.add(ident, row, credit)
            self.texts.add(s.text, row, credit)
            self._text_keys = None
        if p.lat is not None and p.lon is not None:
            self.grid.add(self._cell(p.lat, p.lon), row)
        else:
            self.groups.add(("county", self.names.id(p.county)), row)
        if p.livelihood == LivelihoodType.migrant:
            self.groups.add(("migrant", self.names.id(p.province)), row)
        if p.livelihood == LivelihoodType.returnee_agriculture:
            self.groups.add(("home", self.names.id(p.home_county)), row)
        self.max_km = max(self.max_km, min(p.max_commute_km, self.params.max_commute_cap_km))

    def upsert(self, p: WorkerProfile, household: HouseholdProfile | None = None) -> None:
        """Add or replace a worker (and its household's signals when given)."""
        with self.lock:
            self._version += 1
            if household is not None:
                self._set_household(household)
            h = self.households.get(p.household_id)
            values = worker_row(p, h, self.names)
            place = self._place_row(values)
            row = self.row_of.get(p.worker_id)
            if row is None:
                row = self.store.append(values)
                self.places.append(place)
                self.row_of[p.worker_id] = row
                self.ids.append(p.worker_id)
                self.tie.append(p.worker_id.int >> 65)
                self.profiles.append(p)
                self._tie_array = None
            else:
                old = self.profiles[row]
                self._unindex(row, old)
                self.household_rows.get(old.household_id, set()).discard(row)
                self.store.set(row, values)
                self.places.set(row, place)
                self.profiles[row] = p
            self.household_rows.setdefault(p.household_id, set()).add(row)
            self._index(row, p)

    def _set_household(self, h: HouseholdProfile) -> None:
        current = self.households.get(h.household_id)
        if current is not None and current.version > h.version:
            return
        self.households[h.household_id] = h
        values = household_row(h)
        for row in self.household_rows.get(h.household_id, ()):
            self.store.set(row, values)

    def set_household(self, h: HouseholdProfile) -> None:
        """New priority signals of a household (older versions are ignored)."""
        with self.lock:
            self._set_household(h)

    def remove(self, worker_id: uuid.UUID) -> None:
        """A worker left: never a candidate again (the row stays, inactive)."""
        with self.lock:
            row = self.row_of.get(worker_id)
            if row is None:
                return
            self._version += 1
            self._unindex(row, self.profiles[row])
            self.store.set(row, {"active": False})

    def get(self, worker_id: uuid.UUID) -> WorkerProfile | None:
        """A worker's current profile."""
        row = self.row_of.get(worker_id)
        return None if row is None else self.profiles[row]

    def household_of(self, worker_id: uuid.UUID) -> HouseholdProfile | None:
        """A worker's household signals."""
        p = self.get(worker_id)
        return None if p is None else self.households.get(p.household_id)

    def workers_of_household(self, household_id: uuid.UUID) -> list[WorkerProfile]:
        """Workers of one household."""
        return [self.profiles[r] for r in sorted(self.household_rows.get(household_id, ()))]

    # -- candidates ----------------------------------------------------------------------------
    def candidates(self, job: JobProfile) -> IntArray:
        """Rows that could pass the reach and skill filters (a superset; the rules decide)."""
        province = self.names.id(job.province)
        county = self.names.id(job.county)
        core = [s for s in job.skills if not s.entry_level]
        if core and self.params.min_skill_coverage > 0:
            # The workers holding a core skill are few (a trade and its neighbours): test those for reach
            # rather than marking every worker in reach.
            # Reach is tested on each requirement's own copy of its holders' places (no scattered reads).
            held = [c for c in map(self._credits_of, core) if len(c.rows)]
            reached = [c.rows[self._in_reach(job, c.places, province, county)] for c in held]
            if not reached:
                return np.zeros(0, dtype=np.int64)
            return reached[0] if len(reached) == 1 else _union(reached)  # merged rows: sorted, distinct
        parts: list[IntArray] = []
        for key in self.groups.sets:
            # Migrants may take cross-province jobs: all of them for a flagged job, else those from elsewhere.
            if key[0] == "migrant" and (job.cross_province or (province and key[1] and key[1] != province)):
                parts.append(self.groups.array(key))
        if not job.cross_province:
            box = self._box(job)
            if box is not None:
                lo, hi = box
                for a in range(lo[0], hi[0] + 1):
                    for b in range(lo[1], hi[1] + 1):
                        if (a, b) in self.grid.sets:
                            parts.append(self.grid.array((a, b)))
            if county:
                parts.append(self.groups.array(("home", county)))
                parts.append(self.groups.array(("county", county)))
        if not parts:
            return np.zeros(0, dtype=np.int64)
        mask = np.zeros(self.store.n, dtype=np.bool_)
        for part in parts:
            mask[part] = True
        return np.flatnonzero(mask).astype(np.int64)

    def _box(self, job: JobProfile) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """The grid cells (lowest, highest) within the longest commute of the job, if it has a place."""
        if job.lat is None or job.lon is None or self.max_km <= 0:
            return None
        r = self.max_km
        dlat = r / 111.0
        dlon = r / (111.0 * max(math.cos(math.radians(job.lat)), 0.05))
        return self._cell(job.lat - dlat, job.lon - dlon), self._cell(job.lat + dlat, job.lon + dlon)

    def _in_reach(
        self, job: JobProfile, places: NDArray[Any], province: int, county: int
    ) -> NDArray[np.bool_]:
        """Which of some indexed rows (their place records) the reach groups of candidates() hold: migrants
        for a job in another province, workers in the grid cells within the longest commute, returnees of the
        county and workers without coordinates in it. Worked out from the place columns, as _index files."""
        migrant_of = places["migrant_of"]
        if job.cross_province:
            migrants: NDArray[np.bool_] = migrant_of != 0
            return migrants
        ok = (migrant_of > 0) & (migrant_of != province) if province else np.zeros(len(places), np.bool_)
        box = self._box(job)
        if box is not None:
            (a0, b0), (a1, b1) = box
            a, b = places["cell_a"], places["cell_b"]
            ok |= (a >= a0) & (a <= a1) & (b >= b0) & (b <= b1)
        if county:
            ok |= places["returnee_of"] == county
            ok |= places["loose_county"] == county
        return ok

    def _credits_of(self, req: RequiredSkill) -> _Credits:
        """The requirement's postings merged, kept until the index changes: candidates() and skill_columns()
        of one ranking ask for the same requirements, and other jobs ask for the same trades."""
        if self._postings_version != self._version:
            self._postings_cache.clear()
            self._cached_rows = 0
            self._postings_version = self._version
        # What the merge reads: the trade (and what an ambiguous name may mean), or the text of a skill
        # that did not normalise; "电焊" and "焊工" in two jobs share one entry.
        key = (req.skill_id, req.also) if req.skill_id else (None, req.text)
        found = self._postings_cache.get(key)
        if found is None:
            found = self._merge(req)
            if len(self._postings_cache) >= 10_000 or self._cached_rows > 1_000_000:
                self._postings_cache.clear()
                self._cached_rows = 0
            self._postings_cache[key] = found
            self._cached_rows += len(found.rows)
        return found

    def _merge(self, req: RequiredSkill) -> _Credits:
        """One row per worker holding the requirement, with the best direct and neighbour credit (the
        neighbour kept is the first in the vocabulary's order giving the best credit, as in skill_match)."""
        parts = self._requirement_postings(req)
        neighbours = self.norm.neighbours(req.skill_id) if req.skill_id else ()
        held = [rows for rows, _, _ in parts if len(rows)]
        rows = _union(held) if held else np.zeros(0, dtype=np.int64)
        direct = np.zeros(len(rows))
        near = np.zeros(len(rows))
        near_of = np.full(len(rows), _NO_NEIGHBOUR, dtype=np.int64)
        for hit_rows, credits, k in parts:
            if not len(hit_rows):
                continue
            at = np.searchsorted(rows, hit_rows)
            if k == _NO_NEIGHBOUR:
                direct[at] = np.maximum(direct[at], credits)
            else:
                better = credits > near[at]
                near[at[better]] = credits[better]
                near_of[at[better]] = k
        return _Credits(rows, direct, near, near_of, neighbours, self.places.records(rows))

    def _text_vocabulary(self) -> list[str]:
        if self._text_keys is None:
            self._text_keys = [k for k, v in self.texts.rows.items() if v]
        return self._text_keys

    def _requirement_postings(self, req: RequiredSkill) -> list[tuple[IntArray, NDArray[np.float64], int]]:
        """(rows, credit, neighbour) that satisfy one requirement: the trade's postings (and those of the
        trades an ambiguous name can mean), its neighbours' at their partial credit (neighbour: the index in
        the vocabulary's neighbours of the trade, else -1), or fuzzy text matches."""
        if req.skill_id:
            out = [(*self.skills.arrays(i), _NO_NEIGHBOUR) for i in (req.skill_id, *req.also)]
            for k, (other, credit, _, _) in enumerate(self.norm.neighbours(req.skill_id)):
                rows, credits = self.skills.arrays(other)
                if len(rows):
                    out.append((rows, credits * credit, k))
            return out
        vocab = self._text_vocabulary()
        if not vocab:
            return []
        cutoff = self.params.fuzzy_cutoff
        scores = process.cdist([req.text], vocab, scorer=fuzz.ratio, score_cutoff=cutoff, workers=1)[0]
        found = []
        for idx in np.nonzero(scores)[0]:
            rows, credits = self.texts.arrays(vocab[idx])
            found.append((rows, credits * (float(scores[idx]) / 100.0), _NO_NEIGHBOUR))
        return found

    def _hits(self, job: JobProfile, rows: IntArray) -> list[_Hits]:
        """Each requirement's credits for the given rows, looked up by binary search in its merged rows, so
        the cost follows the few candidates, not the thousands holding a common trade."""
        out = []
        for req in job.skills:
            c = self._credits_of(req)
            if len(c.rows) == 0 or len(rows) == 0:
                zero = np.zeros(len(rows))
                out.append(_Hits(c, zero, zero, np.zeros(len(rows), np.int64), np.zeros(len(rows), np.bool_)))
                continue
            at = np.minimum(np.searchsorted(c.rows, rows), len(c.rows) - 1)
            hit = c.rows[at] == rows
            out.append(_Hits(c, np.where(hit, c.direct[at], 0.0), np.where(hit, c.near[at], 0.0), at, hit))
        return out

    def skill_columns(
        self, job: JobProfile, rows: IntArray
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Coverage, mean credit and the part of it from neighbouring trades, for the given rows."""
        return _skill_columns(job, self._hits(job, rows), len(rows))

    # -- ranking -------------------------------------------------------------------------------
    def evaluate_rows(self, job: JobProfile, rows: IntArray, today: date) -> Evaluation:
        """Filters and components of the job against some rows."""
        return self._evaluate(job, rows, _skill_columns(job, self._hits(job, rows), len(rows)), today)

    def _evaluate(self, job: JobProfile, rows: IntArray, skill: _Columns, today: date) -> Evaluation:
        cov, score, partial = skill
        j = job_row(job, self.names)  # plain values: the job's own conditions are decided once
        return evaluate(self.store.take(rows), j, cov, score, today, self.params, skill_neighbour=partial)

    def rank(
        self,
        job: JobProfile,
        today: date,
        limit: int = 50,
        *,
        site_ids: Iterable[uuid.UUID] | None = None,
        exclude: Iterable[uuid.UUID] = (),
        with_reasons: bool = True,
    ) -> list[Ranked]:
        """The best eligible workers for a job, best first; ties broken by worker id, deterministically."""
        ranked, explain = self.rank_unexplained(job, today, limit, site_ids=site_ids, exclude=exclude)
        return explain(ranked) if with_reasons else ranked

    def rank_unexplained(
        self,
        job: JobProfile,
        today: date,
        limit: int = 50,
        *,
        site_ids: Iterable[uuid.UUID] | None = None,
        exclude: Iterable[uuid.UUID] = (),
    ) -> tuple[list[Ranked], Explainer]:
        """rank without reasons, and what gives any of those pairs its reasons later from what the ranking
        gathered: a proposer explains only the pairs it chooses, a few of those ranked."""
        with self.lock:
            rows = self.candidates(job)
            if len(rows) == 0:
                return [], _unexplained
            hits = self._hits(job, rows)
            skill = _skill_columns(job, hits, len(rows))
            ev = self._evaluate(job, rows, skill, today)
            keep = ev.eligible.copy()
            if site_ids is not None:
                allowed = set(site_ids)
                keep &= np.fromiter((self.profiles[r].site_id in allowed for r in rows), bool, len(rows))
            skip = {self.row_of[w] for w in exclude if w in self.row_of}
            if skip:
                keep &= ~np.isin(rows, list(skip))
            idx = np.nonzero(keep)[0]
            if len(idx) == 0:
                return [], _unexplained
            picked = idx[self._top(ev.score[idx], rows[idx], limit)]
            comps = breakdowns(ev, picked)
            scores = ev.score[picked].tolist()
            dists = ev.distance[picked].tolist()
            workers = [self.profiles[r] for r in rows[picked].tolist()]
            taxonomy = self.taxonomy
        ranked = [
            Ranked(
                worker_id=p.worker_id,
                job_id=job.job_id,
                household_id=p.household_id,
                site_id=p.site_id,
                score=scores[k],
                breakdown=comps[k],
                distance_km=None if math.isnan(dists[k]) else round(dists[k], 2),
                reasons=(),
            )
            for k, p in enumerate(workers)
        ]
        at = {r.worker_id: k for k, r in enumerate(ranked)}

        def explain(some: Sequence[Ranked]) -> list[Ranked]:
            ks = [at[r.worker_id] for r in some]
            if not ks:
                return []
            prepared = job_reasons(job, taxonomy)
            matches = _matches(job, hits, picked[ks], skill)
            out = []
            for r, k, sm in zip(some, ks, matches, strict=True):
                p = workers[k]
                h = self.households.get(p.household_id)
                why = reasons(p, h, job, comps[k], dists[k], sm, taxonomy, today, prepared)
                out.append(replace(r, reasons=tuple(why)))
            return out

        return ranked, explain

    def _ties(self) -> IntArray:
        if self._tie_array is None or len(self._tie_array) != len(self.tie):
            self._tie_array = np.asarray(self.tie, dtype=np.int64)
        return self._tie_array

    def _top(self, score: NDArray[np.float64], rows: IntArray, limit: int) -> IntArray:
        if len(score) > limit:
            kth = np.partition(score, len(score) - limit)[len(score) - limit]
            sel = np.nonzero(score >= kth)[0]
        else:
            sel = np.arange(len(score))
        order = sel[np.lexsort((self._ties()[rows[sel]], -score[sel]))]
        return order[:limit]


def _union(arrays: list[IntArray]) -> IntArray:
    """The sorted distinct rows of some sorted, distinct arrays (sorting their concatenation beats
    np.unique's hash table at these sizes)."""
    if len(arrays) == 1:
        return arrays[0]
    rows = np.sort(np.concatenate(arrays))
    if len(rows) < 2:
        return rows
    first = np.empty(len(rows), dtype=np.bool_)
    first[0] = True
    np.not_equal(rows[1:], rows[:-1], out=first[1:])
    return rows[first]


def _skill_columns(job: JobProfile, hits: list[_Hits], n: int) -> _Columns:
    """Coverage, mean credit and the part of it from neighbouring trades, from each requirement's hits."""
    if not job.skills:
        return np.ones(n), np.ones(n), np.zeros(n)
    total = np.zeros(n)
    partial = np.zeros(n)
    met = np.zeros(n)
    core = 0
    for req, h in zip(job.skills, hits, strict=True):
        credit = np.maximum(h.direct, h.near)
        partial += np.where(h.near > h.direct, h.near, 0.0)
        if req.entry_level:
            credit = np.maximum(credit, ENTRY_CREDIT)
        else:
            core += 1
            met += credit > 0
        total += credit
    coverage = met / core if core else np.ones(n)
    return coverage, total / len(job.skills), partial / len(job.skills)


def _matches(job: JobProfile, hits: list[_Hits], picked: IntArray, skill: _Columns) -> list[SkillMatch]:
    """skill_match of the picked rows, read from the credits the ranking gathered instead of comparing each
    worker's skills again: the same requirements matched and missing, and the same neighbouring trades."""
    per_req = []
    for h in hits:
        near_of = [_NO_NEIGHBOUR] * len(picked)
        if len(h.credits.rows):
            near_of = np.where(h.hit[picked], h.credits.near_of[h.at[picked]], _NO_NEIGHBOUR).tolist()
        per_req.append((h.direct[picked].tolist(), h.near[picked].tolist(), near_of, h.credits))
    coverage, score, partial = (a[picked].tolist() for a in skill)
    out = []
    for k in range(len(picked)):
        matched: list[tuple[RequiredSkill, float]] = []
        missing: list[RequiredSkill] = []
        near: list[Neighbour] = []
        for req, (direct, nearby, near_of, c) in zip(job.skills, per_req, strict=True):
            d, nb = direct[k], nearby[k]
            credit = max(d, nb)
            if nb > d:
                other, rel, why_zh, why_en = c.neighbours[near_of[k]]
                near.append(Neighbour(req.skill_id or "", other, rel, why_zh, why_en))
            if req.entry_level:
                credit = max(ENTRY_CREDIT, credit)
            if credit > 0:
                matched.append((req, credit))
            else:
                missing.append(req)
        out.append(SkillMatch(coverage[k], score[k], tuple(matched), tuple(missing), tuple(near), partial[k]))
    return out


@dataclass(frozen=True, slots=True)
class Blocked:
    """A job a worker passes every filter for except the skills, and what is missing."""

    job: JobProfile
    missing: frozenset[str]
    score_if_trained: float
    missing_certificates: frozenset[str] = frozenset()


class JobIndex:
    """Every job as numpy columns, for ranking jobs for one worker."""

    def __init__(self, norm: Vocabulary, params: Params, names: Interner) -> None:
        self.norm = norm
        self.taxonomy = norm
        self.params = params
        self.names = names
        self.store = ColumnStore(JOB_COLUMNS, capacity=256)
        self.ids: list[uuid.UUID] = []
        self.row_of: dict[uuid.UUID, int] = {}
        self.profiles: list[JobProfile] = []
        self.trainings: dict[uuid.UUID, TrainingProfile] = {}
        self.lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.row_of)

    def upsert(self, job: JobProfile) -> None:
        """Add or replace a job."""
        with self.lock:
            values = job_row(job, self.names)
            row = self.row_of.get(job.job_id)
            if row is None:
                row = self.store.append(values)
                self.row_of[job.job_id] = row
                self.ids.append(job.job_id)
                self.profiles.append(job)
            else:
                self.store.set(row, values)
                self.profiles[row] = job

    def open_jobs(self) -> list[JobProfile]:
        """Jobs open with seats left."""
        with self.lock:
            return [j for j in self.profiles if j.status == "open" and j.seats_left > 0]

    def get(self, job_id: uuid.UUID) -> JobProfile | None:
        """A job's current profile."""
        row = self.row_of.get(job_id)
        return None if row is None else self.profiles[row]

    def upsert_training(self, t: TrainingProfile) -> None:
        """Add or replace a course."""
        with self.lock:
            self.trainings[t.training_id] = t

    def _evaluate(
        self,
        worker: WorkerProfile,
        household: HouseholdProfile | None,
        today: date,
        extra: frozenset[str] = frozenset(),
        extra_certificates: frozenset[str] = frozenset(),
        *,
        check_certificates: bool = True,
    ) -> tuple[IntArray, Evaluation, list[SkillMatch]]:
        """Rows passing every non-skill filter, then their full evaluation (skills compared per pair)."""
        if extra_certificates:
            worker = replace(worker, certificates=worker.certificates | extra_certificates)
        w = as_cols(worker_row(worker, household, self.names), WORKER_COLUMNS)
        everything = self.store.take(np.arange(self.store.n, dtype=np.int64))
        first = evaluate(w, everything, 1.0, 1.0, today, self.params, check_certificates=check_certificates)
        rows = np.nonzero(first.eligible)[0].astype(np.int64)
        held = worker.skills
        if extra:
            held = (*held, *(WorkerSkill(s, s, 1, False) for s in sorted(extra - worker.skill_ids())))
        matches = [
            skill_match(held, self.profiles[r].skills, self.params.fuzzy_cutoff, self.norm) for r in rows
        ]
        cov = np.fromiter((m.coverage for m in matches), np.float64, len(rows))
        score = np.fromiter((m.score for m in matches), np.float64, len(rows))
        partial = np.fromiter((m.neighbour_credit for m in matches), np.float64, len(rows))
        ev = evaluate(
            w,
            self.store.take(rows),
            cov,
            score,
            today,
            self.params,
            check_certificates=check_certificates,
            skill_neighbour=partial,
        )
        return rows, ev, matches

    def rank_for_worker(
        self,
        worker: WorkerProfile,
        household: HouseholdProfile | None,
        today: date,
        limit: int = 20,
        *,
        exclude: Iterable[uuid.UUID] = (),
        kinds: Iterable[str] | None = None,
    ) -> list[Ranked]:
        """The best eligible jobs for a worker, best first; ties broken by job id."""
        with self.lock:
            if self.store.n == 0:
                return []
            rows, ev, matches = self._evaluate(worker, household, today)
            skip = set(exclude)
            wanted = set(kinds) if kinds is not None else None
            idx = [
                int(i)
                for i in np.nonzero(ev.eligible)[0]
                if self.ids[rows[i]] not in skip
                and (wanted is None or self.profiles[rows[i]].employer_kind in wanted)
            ]
            idx.sort(key=lambda i: (-float(ev.score[i]), self.ids[rows[i]].int))
            out = []
            for i in idx[:limit]:
                job = self.profiles[rows[i]]
                comps = breakdown(ev, i)
                dist = float(ev.distance[i])
                why = reasons(worker, household, job, comps, dist, matches[i], self.taxonomy, today)
                out.append(
                    Ranked(
                        worker_id=worker.worker_id,
                        job_id=job.job_id,
                        household_id=worker.household_id,
                        site_id=worker.site_id,
                        score=float(ev.score[i]),
                        breakdown=comps,
                        distance_km=None if math.isnan(dist) else round(dist, 2),
                        reasons=tuple(why),
                    )
                )
            return out

    def blocked_by_skills(
        self, worker: WorkerProfile, household: HouseholdProfile | None, today: date
    ) -> list[Blocked]:
        """Jobs the worker fails only on skills or a licence, with the canonical skills and licences that
        would unlock each."""
        with self.lock:
            if self.store.n == 0:
                return []
            rows, ev, matches = self._evaluate(worker, household, today, check_certificates=False)
            found: list[tuple[JobProfile, frozenset[str], frozenset[str]]] = []
            for i in range(len(rows)):
                if any(ev.failed[f][i] for f in ev.failed if f != "skills"):
                    continue
                job = self.profiles[rows[i]]
                certs = job.certificates - worker.certificates
                missing = (
                    [m for m in matches[i].missing if not m.entry_level] if ev.failed["skills"][i] else []
                )
                if any(m.skill_id is None for m in missing):
                    continue  # free-text skills cannot be looked up in course catalogues
                ids = frozenset(m.skill_id for m in missing if m.skill_id)
                if ids or certs:
                    found.append((job, ids, certs))
            if not found:
                return []
            extra = frozenset().union(*(ids for _, ids, _ in found))
            extra_certs = frozenset().union(*(c for _, _, c in found))
            rows2, ev2, _ = self._evaluate(worker, household, today, extra, extra_certs)
            at = {self.ids[r]: k for k, r in enumerate(rows2)}
            return [
                Blocked(job, ids, float(ev2.score[at[job.job_id]]), certs)
                for job, ids, certs in found
                if job.job_id in at
            ]

    def best_training(
        self,
        worker: WorkerProfile,
        household: HouseholdProfile | None,
        today: date,
        current_best: float | None,
    ) -> tuple[TrainingProfile, list[Blocked]] | None:
        """The open course within reach that unlocks the best blocked jobs, if it beats today's best job."""
        blocked = self.blocked_by_skills(worker, household, today)
        if not blocked:
            return None
        best: tuple[tuple[float, int, int], TrainingProfile, list[Blocked]] | None = None
        for t in sorted(self.trainings.values(), key=lambda t: t.training_id.int):
            if t.status != "open" or t.seats_left <= 0 or (t.starts_on and t.starts_on < today):
                continue
            if not within_reach(worker, t):
                continue
            unlocked = [
                b
                for b in blocked
                if b.missing <= (t.skill_ids | worker.skill_ids())
                and b.missing_certificates <= (t.certificates | worker.certificates)
            ]
            if not unlocked:
                continue
            top = max(b.score_if_trained for b in unlocked)
            if current_best is not None and top <= current_best:
                continue
            key = (top, len(unlocked), -(t.starts_on.toordinal() if t.starts_on else 0))
            if best is None or key > best[0]:
                unlocked.sort(key=lambda b: (-b.score_if_trained, b.job.job_id.int))
                best = (key, t, unlocked)
        return None if best is None else (best[1], best[2])


def interner(vocab: Vocabulary) -> Interner:
    """Region, physical-term and certificate ids of one vocabulary (certificates get stable bits)."""
    mandatory = sorted(c.id for c in vocab.certificates.values() if c.mandatory)
    return Interner(sorted(vocab.data.physical), mandatory)


def within_reach(worker: WorkerProfile, t: TrainingProfile) -> bool:
    """A course is within reach inside the worker's commute (or in the home county for returnees)."""
    if (
        worker.livelihood == LivelihoodType.returnee_agriculture
        and t.county
        and t.county == worker.home_county
    ):
        return True
    if None in (worker.lat, worker.lon, t.lat, t.lon):
        return bool(t.county and t.county in (worker.county, worker.home_county))
    d = float(haversine_km(worker.lat, worker.lon, t.lat, t.lon))
    return d <= worker.max_commute_km
