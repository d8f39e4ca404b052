"""Bulk import of workers from an office spreadsheet: validate every row, store the valid new ones."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import IO, Any, NamedTuple

from anju_common import collector
from anju_common.clock import utcnow
from anju_common.errors import ConflictError, InvalidFieldError
from anju_common.events import (
    HouseholdData,
    HouseholdUpdated,
    Location,
    MonitoringCategory,
    WorkerRegistered,
)
from anju_common.principal import Principal
from anju_common.problems import Problem
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from workers import households, pii, registration, views
from workers import repository as repo
from workers.config import get_settings, today
from workers.event_rows import event_json, flat_payload, new_ids, outbox_row
from workers.models import Site
from workers.schemas import ImportReport, RowError
from workers.skills import skill_ids_column, vocabulary
from workers.spreadsheet import (
    HeaderMap,
    ImportRow,
    is_blank,
    map_headers,
    validate_row,
)
from workers.upload import XlsxLimits, read_table


@dataclass
class _Prepared:
    """A valid row, new to this file, with its site."""

    site_id: uuid.UUID
    checked: Checked

    @property
    def household(self) -> HouseholdColumns:
        """The row's household columns."""
        assert self.checked.household is not None
        return self.checked.household

    @property
    def columns(self) -> dict[str, Any]:
        """The row's worker columns."""
        assert self.checked.columns is not None
        return self.checked.columns


@dataclass
class _NewHousehold:
    """A household this import creates: its counts are known without asking the database."""

    data: HouseholdData
    declared: int | None
    active: int = 0
    employed: int = 0


@dataclass
class _Run:
    """State of one import across chunks."""

    session: Session
    principal: Principal
    dry_run: bool
    request_id: str | None
    header: HeaderMap
    report: ImportReport
    sites: dict[uuid.UUID, Site | None] = field(default_factory=dict)
    locations: dict[uuid.UUID, Location] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)
    households: dict[uuid.UUID, dict[str, HouseholdData]] = field(default_factory=dict)
    touched: set[uuid.UUID] = field(default_factory=set)
    created: dict[uuid.UUID, _NewHousehold] = field(default_factory=dict)
    skill_ids: dict[tuple[str, ...], str] = field(default_factory=dict)
    skill_vocabulary: object = None
    location_payloads: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)

    def skill_ids_of(self, skills: list[dict[str, Any]]) -> str:
        """skill_ids_column of a row's skills, read once per distinct list of names (files repeat them)."""
        vocab = vocabulary()
        if vocab is not self.skill_vocabulary:
            self.skill_ids, self.skill_vocabulary = {}, vocab
        names = tuple(str(s["name"]) for s in skills)
        found = self.skill_ids.get(names)
        if found is None:
            found = self.skill_ids[names] = skill_ids_column(skills, vocab)
        return found

    def location_payload(self, site_id: uuid.UUID) -> dict[str, Any]:
        """The site's event location as payload values, built once."""
        if site_id not in self.location_payloads:
            site = self.site(site_id)
            assert site is not None
            self.location_payloads[site_id] = flat_payload(self.location(site))
        return self.location_payloads[site_id]

    def reject(self, rownum: int, fld: str, reason: str) -> None:
        """Report a row as rejected because of one column."""
        self.report.rejected += 1
        self.report.errors.append(RowError(row=rownum, column=self.header.label(fld), reason=reason))

    def location(self, site: Site) -> Location:
        """The site as an event location, built once."""
        if site.id not in self.locations:
            self.locations[site.id] = views.site_location(site)
        return self.locations[site.id]

    def households_at(self, site_id: uuid.UUID) -> dict[str, HouseholdData]:
        """The site's households by reference, loaded once (one query instead of one per chunk)."""
        if site_id not in self.households:
            found = repo.households_of_site(self.session, site_id)
            self.households[site_id] = {h.household_ref or "": views.household_data(h) for h in found}
        return self.households[site_id]

    def site(self, site_id: uuid.UUID) -> Site | None:
        """The site when it exists and is in the caller's scope, looked up once."""
        if site_id not in self.sites:
            found = repo.get_site(self.session, site_id)
            self.sites[site_id] = found if found and self.principal.can_see_site(site_id) else None
        return self.sites[site_id]


def import_workers(
    session: Session,
    stream: IO[bytes],
    filename: str,
    site_id: uuid.UUID | None,
    principal: Principal,
    *,
    dry_run: bool,
    request_id: str | None,
) -> ImportReport:
    """Validate an upload row by row; store the valid rows that are not registered yet (unless dry_run)."""
    if principal.role == "employer":
        raise Problem(403, "only employment-office staff import workers", code="forbidden")
    settings = get_settings()
    limits = XlsxLimits(
        max_rows=settings.import_max_rows,
        max_unpacked_bytes=settings.import_max_unpacked_bytes,
        max_ratio=settings.import_max_compression_ratio,
        max_cells=settings.import_max_cells,
    )
    rows = read_table(filename, stream, limits)
    first = next(rows, None)
    if first is None:
        raise Problem(
            422, "the file is empty; the first row must hold the column headers", code="bad-headers"
        )
    header = map_headers(first)
    if site_id is None and "site_id" not in header.headers:
        raise InvalidFieldError("site_id", "give the site as a form field or a site_id column")
    run = _Run(
        session,
        principal,
        dry_run,
        request_id,
        header,
        ImportReport(
            dry_run=dry_run,
            rows=0,
            valid=0,
            created=0,
            existing=0,
            rejected=0,
            households_created=0,
            errors=[],
        ),
    )
    if site_id is not None and run.site(site_id) is None:
        raise InvalidFieldError("site_id", f"no site {site_id} in your scope")
    try:
        batches = _batches(run, rows, settings.import_max_rows, settings.import_chunk_rows)
        for checked in _checked(header, batches, settings.import_processes):
            _store(run, [p for c in checked if (p := _accept(run, c, site_id)) is not None])
        if not dry_run:
            _finish_households(run)
    except IntegrityError as exc:
        raise ConflictError(
            "some of these workers were registered at the same time by another request; retry"
        ) from exc
    return run.report


class HouseholdColumns(NamedTuple):
    """The household columns of an import row."""

    household_ref: str
    registered_poor: bool
    monitoring_category: str
    labour_capable_count: int | None


class Checked(NamedTuple):
    """A row after validation: its worker columns (phone and ID sealed, enums as their values) and
    household columns, or why it is rejected. Plain values: the helper process pickles it."""

    rownum: int
    errors: list[RowError]
    columns: dict[str, Any] | None = None
    site_id: uuid.UUID | None = None
    household: HouseholdColumns | None = None

    @property
    def id_hash(self) -> str | None:
        """Natural key when the row has an ID number."""
        return self.columns["id_number_hash"] if self.columns is not None else None

    @property
    def phone_name_hash(self) -> str | None:
        """Natural key when it has none."""
        return self.columns["phone_name_hash"] if self.columns is not None else None


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


def checked_row(rownum: int, row: ImportRow) -> Checked:
    """A valid row's worker and household columns (what a database-free process can compute)."""
    columns = registration.profile_columns(row, pii.sealed_fields(row))
    for name in ("gender", "livelihood_type", "employment_status"):
        columns[name] = _plain(columns[name])
    household = HouseholdColumns(
        row.household_ref, row.registered_poor, row.monitoring_category.value, row.labour_capable_count
    )
    return Checked(rownum, [], columns, row.site_id, household)


def check_rows(header: HeaderMap, rows: list[tuple[int, list[Any]]]) -> list[Checked]:
    """Validate rows, encrypt and hash phone and ID (no database: big files run it in a helper process)."""
    out: list[Checked] = []
    for rownum, values in rows:
        row, errors = validate_row(rownum, values, header)
        out.append(checked_row(rownum, row) if row is not None else Checked(rownum, errors))
    return out


def _batches(
    run: _Run, rows: Iterator[list[Any]], max_rows: int, size: int
) -> Iterator[list[tuple[int, list[Any]]]]:
    batch: list[tuple[int, list[Any]]] = []
    for rownum, values in enumerate(rows, start=2):
        if is_blank(values):
            continue
        run.report.rows += 1
        if run.report.rows > max_rows:
            raise Problem(
                413, f"每个文件最多 {max_rows} 行 (at most {max_rows} rows per file)", code="too-many-rows"
            )
        batch.append((rownum, values))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool(processes: int) -> ProcessPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            # spawn, not fork: the service process runs Kafka and relay threads that must not be cloned.
            # The helpers' collector as the service's (anju_common.cli): at CPython's 700 their young
            # collections took a quarter of the validation.
            _POOL = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=collector.tune,
            )
        return _POOL


def _checked(
    header: HeaderMap, batches: Iterator[list[tuple[int, list[Any]]]], processes: int
) -> Iterator[list[Checked]]:
    """Checked batches in file order; once a file proves big (a second batch), the next batches are
    validated in helper processes while this one writes the previous ones."""
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None) if processes >= 1 else None
    if second is None:
        yield check_rows(header, first)
        for batch in batches:
            yield check_rows(header, batch)
        return
    pool = _pool(processes)
    # The helper gets the second batch before this process works on the first: starting it takes seconds.
    pending: deque[Future[list[Checked]] | list[Checked]] = deque([pool.submit(check_rows, header, second)])
    yield check_rows(header, first)
    for batch in batches:
        if len(pending) > processes and not _ready(pending[0]):
            # The helpers are behind (still starting, or slower than the writes): check this one here.
            pending.append(check_rows(header, batch))
        else:
            pending.append(pool.submit(check_rows, header, batch))
        while pending and (len(pending) > processes + _AHEAD or _ready(pending[0])):
            yield _result(pending.popleft())
    while pending:
        yield _result(pending.popleft())


# Batches checked ahead of the writes beyond one per helper (bounded memory: a few thousand rows each).
_AHEAD = 3


def _ready(item: Future[list[Checked]] | list[Checked]) -> bool:
    return not isinstance(item, Future) or item.done()


def _result(item: Future[list[Checked]] | list[Checked]) -> list[Checked]:
    return item.result() if isinstance(item, Future) else item


def _accept(run: _Run, checked: Checked, form_site: uuid.UUID | None) -> _Prepared | None:
    """Site and in-file duplicate checks of a validated row (they need this import's state)."""
    rownum = checked.rownum
    if checked.columns is None:
        run.report.rejected += 1
        run.report.errors.extend(checked.errors)
        return None
    site_id = checked.site_id or form_site
    if site_id is None:
        run.reject(rownum, "site_id", "no site: fill the column or send site_id as a form field")
        return None
    if run.site(site_id) is None:
        run.reject(rownum, "site_id", f"no site {site_id} in your scope")
        return None
    key = checked.id_hash or checked.phone_name_hash
    assert key is not None
    if key in run.seen:
        column = "id_number" if checked.id_hash else "phone"
        run.reject(rownum, column, f"the same worker as row {run.seen[key]}")
        return None
    run.seen[key] = rownum
    run.report.valid += 1
    return _Prepared(site_id, checked)


def _store(run: _Run, chunk: list[_Prepared]) -> None:
    """Skip rows already registered, create missing households, insert workers and their events."""
    if not chunk:
        return
    id_hashes, pn_hashes = repo.existing_keys(
        run.session,
        [h for p in chunk if (h := p.checked.id_hash)],
        [h for p in chunk if (h := p.checked.phone_name_hash)],
    )
    fresh = [
        p for p in chunk if not (p.checked.id_hash in id_hashes or p.checked.phone_name_hash in pn_hashes)
    ]
    run.report.existing += len(chunk) - len(fresh)
    run.report.created += len(fresh)
    now = utcnow()
    new_households: list[dict[str, Any]] = []
    for p in fresh:
        known = run.households_at(p.site_id)
        if p.household.household_ref in known:
            continue
        row = _household_row(p, now)
        new_households.append(row)
        known[p.household.household_ref] = snapshot = HouseholdData(
            household_id=row["id"],
            site_id=p.site_id,
            registered_poor=p.household.registered_poor,
            monitoring_category=MonitoringCategory(p.household.monitoring_category),
        )
        run.created[snapshot.household_id] = _NewHousehold(snapshot, p.household.labour_capable_count)
    run.report.households_created += len(new_households)
    if run.dry_run:
        return
    repo.insert_households(run.session, new_households)
    workers: list[dict[str, Any]] = []
    events: list[tuple[uuid.UUID, str, bytes]] = []
    ids = new_ids(2 * len(fresh))
    snapshots: dict[uuid.UUID, dict[str, Any]] = {}  # this chunk's: its rows' households are mostly its own
    for i, p in enumerate(fresh):
        household = run.households_at(p.site_id)[p.household.household_ref]
        row = worker_row(
            p.columns,
            worker_id=ids[2 * i],
            household_id=household.household_id,
            site_id=p.site_id,
            skill_ids=run.skill_ids_of(p.columns["skills"]),
            now=now,
        )
        workers.append(row)
        at_registration = snapshots.get(household.household_id)
        if at_registration is None:
            at_registration = snapshots[household.household_id] = flat_payload(household)
        data = views.profile_payload(row, at_registration, run.location_payload(p.site_id))
        subject = str(row["id"])
        event_id = ids[2 * i + 1]
        payload = event_json(
            WorkerRegistered, data, event_id=event_id, subject=subject, request_id=run.request_id
        )
        events.append((event_id, subject, payload))
        new = run.created.get(household.household_id)
        if new is None:
            run.touched.add(household.household_id)
        else:
            new.active += 1
            new.employed += row["employment_status"] in repo.EMPLOYED_STATUSES
    repo.insert_workers(run.session, workers)
    _record(run, WorkerRegistered, events)


def _record(
    run: _Run, cls: type[WorkerRegistered | HouseholdUpdated], events: list[tuple[uuid.UUID, str, bytes]]
) -> None:
    prefix, now = get_settings().topic_prefix, utcnow()
    rows = [
        outbox_row(cls, payload, event_id=event_id, subject=subject, topic_prefix=prefix, now=now)
        for event_id, subject, payload in events
    ]
    repo.insert_outbox(run.session, rows)


def _finish_households(run: _Run) -> None:
    """Derive the signals of households this import created (one bulk update) and recount the others."""
    if run.touched:
        households.refresh_households(run.session, run.touched, run.request_id)
    on, now = today(), utcnow()
    created = list(run.created.items())
    size = max(1, get_settings().import_chunk_rows)
    # In chunks: 50,000 new households' events and rows at once were the import's peak of memory.
    for start in range(0, len(created), size):
        _finish_new_households(run, created[start : start + size], on, now)


def _finish_new_households(
    run: _Run, created: list[tuple[uuid.UUID, _NewHousehold]], on: date, now: datetime
) -> None:
    updates: list[dict[str, Any]] = []
    events: list[tuple[uuid.UUID, str, bytes]] = []
    ids = new_ids(len(created))
    for (hid, new), event_id in zip(created, ids, strict=True):
        labour, employed, zero, since = households.derive_signals(
            new.declared, new.active, new.employed, None, on
        )
        signals = {
            "labour_capable_count": labour,
            "employed_count": employed,
            "zero_employment": zero,
            "zero_employment_since": since,
            "version": 2,
        }
        updates.append({"id": hid, **signals, "updated_at": now})
        data = flat_payload(new.data, **signals)
        subject = str(hid)
        payload = event_json(
            HouseholdUpdated, data, event_id=event_id, subject=subject, request_id=run.request_id
        )
        events.append((event_id, subject, payload))
    repo.update_households(run.session, updates)
    _record(run, HouseholdUpdated, events)


_WORKER_DEFAULTS: dict[str, Any] = {
    "current_job_id": None,
    "active": True,
    "deactivated_reason": None,
    "deactivated_at": None,
    "erased_at": None,
    "version": 1,
}


def worker_row(
    columns: dict[str, Any],
    *,
    worker_id: uuid.UUID,
    household_id: uuid.UUID,
    site_id: uuid.UUID,
    skill_ids: str,
    now: datetime,
) -> dict[str, Any]:
    """The column values of a new worker from a checked row's columns."""
    return {
        **_WORKER_DEFAULTS,
        "id": worker_id,
        "created_at": now,
        "updated_at": now,
        "household_id": household_id,
        "site_id": site_id,
        **columns,
        "skill_ids": skill_ids,
    }


def _household_row(p: _Prepared, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "site_id": p.site_id,
        "household_ref": p.household.household_ref,
        "registered_poor": p.household.registered_poor,
        "monitoring_category": p.household.monitoring_category,
        "labour_capable_declared": p.household.labour_capable_count,
        "labour_capable_count": 0,
        "employed_count": 0,
        "zero_employment": False,
        "zero_employment_since": None,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
