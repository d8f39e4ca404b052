"""Each submit the SMPP peer logged, paired with its post and the timestamps every store kept of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.chaos.tally import submit_key
from bench.e2e.poster import Post


@dataclass
class Rows:
    """The timestamps of every job, proposal and notification the run made, by id (wall clock, s)."""

    job_created: dict[str, float] = field(default_factory=dict)  # job id -> jobs' created_at
    job_event: dict[str, str] = field(default_factory=dict)  # job id -> its job.posted event id
    job_published: dict[str, float] = field(default_factory=dict)  # job id -> jobs outbox published_at
    job_read: dict[str, float] = field(default_factory=dict)  # job id -> matching job_view.updated_at
    matches: dict[str, dict[str, Any]] = field(default_factory=dict)  # match id -> job_id, created, event
    match_published: dict[str, float] = field(default_factory=dict)  # event id -> matching published_at
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # notification id -> its row
    part_note: dict[str, str] = field(default_factory=dict)  # provider message id -> notification id
    kafka: dict[str, float] = field(default_factory=dict)  # event id -> Kafka record timestamp


@dataclass
class Sms:
    """One job offer the peer received, with the chain of timestamps from its post to the peer."""

    index: int  # the job's index in the run
    received: float
    latency: float  # peer received_at - the post's send time, s
    chain: dict[str, float | None]
    note_id: str | None


@dataclass
class Paired:
    """The offers the peer received, and the submits that were not one (or not this run's first)."""

    sms: list[Sms] = field(default_factory=list)
    not_offers: int = 0  # other texts, or a second part without the wage
    unknown_job: int = 0  # a wage no successful post of this run had
    duplicates: int = 0  # a second submit of one (number, job)
    job_mismatch: int = 0  # the notification's match names another job than the text


def pair(
    entries: Iterable[Mapping[str, Any]], posts: Mapping[int, Post], rows: Rows, wage_base: int
) -> Paired:
    """Pair every submit_sm with its job (by the wage in its text) and its notification (by the message
    id the peer gave it, which the service stored per part)."""
    out = Paired()
    seen: set[tuple[str, int]] = set()
    for entry in entries:
        key = submit_key(entry)
        if key is None:
            out.not_offers += 1
            continue
        post = posts.get(key[1] - wage_base)
        if post is None or post.job_id is None:
            out.unknown_job += 1
            continue
        if key in seen:
            out.duplicates += 1
            continue
        seen.add(key)
        received = float(entry["received_at"]) / 1000
        note_id = rows.part_note.get(str(entry.get("message_id")))
        note = rows.notes.get(note_id) if note_id else None
        match = rows.matches.get(note["match_id"]) if note and note["match_id"] else None
        if match is not None and match["job_id"] != post.job_id:
            out.job_mismatch += 1
            match = None
        job = post.job_id
        event = match["event_id"] if match else None
        chain: dict[str, float | None] = {
            "sent": post.sent,
            "job_created": rows.job_created.get(job),
            "job_kafka": rows.kafka.get(rows.job_event.get(job, "")),
            "job_read": rows.job_read.get(job),
            "match_created": match["created"] if match else None,
            "match_kafka": rows.kafka.get(event) if event else None,
            "note_created": note["created"] if note else None,
            "note_submitting": note["submitting"] if note else None,
            "peer_received": received,
            # Not on the chain: when each outbox saw the broker's acknowledgement.
            "job_acked": rows.job_published.get(job),
            "match_acked": rows.match_published.get(event) if event else None,
        }
        out.sms.append(Sms(post.index, received, received - post.sent, chain, note_id))
    return out


def unsent(rows: Rows, job_ids: set[str], submitted_notes: set[str]) -> dict[str, Any]:
    """The proposals of these jobs and those without a submit at the peer, by where they stand."""
    by_match = {n["match_id"]: (note_id, n) for note_id, n in rows.notes.items() if n["match_id"]}
    proposals = [m for m in rows.matches.items() if m[1]["job_id"] in job_ids]
    where: Counter[str] = Counter()
    for match_id, _match in proposals:
        found = by_match.get(match_id)
        if found is None:
            where["no notification row"] += 1
        elif found[0] not in submitted_notes:
            note = found[1]
            where[f"{note['status']}: {note['reason']}" if note["reason"] else note["status"]] += 1
    per_job = Counter(m["job_id"] for _, m in proposals)
    return {
        "proposals": len(proposals),
        "not_submitted": sum(where.values()),
        "not_submitted_by_status": dict(where),
        "jobs_without_proposals": len(job_ids - set(per_job)),
        "proposals_per_job": dict(Counter(per_job.values())),
    }
