"""Event consumers of the notifications service: SMS to send (now or scheduled), office feed items, and the
liveness read model of what the SMS refer to (matching.events, jobs.events, workers.events)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from anju_common.app import Runtime
from anju_common.clock import CLOCK
from anju_common.events import (
    DepartureCancelled,
    DepartureScheduled,
    FollowUpFellDue,
    FollowUpRecorded,
    FollowUpWentOverdue,
    JobClosed,
    JobPosted,
    JobUpdated,
    MatchProposed,
    MatchStatus,
    MatchStatusChanged,
    PlacementEnded,
    PlacementStarted,
    SiteAlertRaised,
    TrainingEnrolmentChanged,
    TrainingOffered,
    TrainingPublished,
    ZeroEmploymentAlerted,
)
from anju_common.kafka import ConsumerConfig, ConsumerRunner, Handler, When
from anju_common.logs import get_logger
from sqlmodel import Session

from notifications import liveness, schedule, sending
from notifications import repository as repo
from notifications.feed import add_feed_item
from notifications.templates import date_text, subsidy_text, wage_text

log = get_logger(__name__)

TOPICS = ("matching.events", "jobs.events", "workers.events")


def _title(zh: str, en: str) -> str:
    return f"{zh} / {en}"[:200]


def build_handlers() -> dict[str, Handler]:
    """One handler per consumed event type; each writes rows in the consumer's transaction."""

    def on_match_proposed(session: Session, ev: MatchProposed) -> None:
        d = ev.data
        params = {
            "employer": d.employer_name,
            "job": d.job_title,
            "wage": wage_text(d.wage_min, d.wage_max),
            "place": d.place,
        }
        sending.enqueue(session, ev, "job_offer", params, CLOCK.now(), match_id=d.match_id, job_id=d.job_id)

    def on_training_offered(session: Session, ev: TrainingOffered) -> None:
        d = ev.data
        params = {
            "title": d.title,
            "starts": date_text(d.starts_on),
            "subsidy": subsidy_text(d.subsidy_cny),
            "place": d.place,
        }
        sending.enqueue(
            session,
            ev,
            "training_offer",
            params,
            CLOCK.now(),
            offer_id=d.offer_id,
            training_id=d.training_id,
        )

    def on_match_status_changed(session: Session, ev: MatchStatusChanged) -> None:
        d = ev.data
        now = CLOCK.now()
        liveness.record(session, "match", d.match_id, d.to_status.value, now)
        if d.to_status == MatchStatus.hired:
            liveness.record(
                session, "worker", d.worker_id, "hired", now, detail={"match_id": str(d.match_id)}
            )
            liveness.cancel_stale(session, repo.waiting_for_worker(session, d.worker_id, ("job_offer",)), now)
        elif d.from_status == MatchStatus.hired:
            liveness.record(session, "worker", d.worker_id, "free", now, detail={"match_id": None})
        liveness.cancel_waiting_for(session, "match_id", d.match_id, now)
        if d.to_status == MatchStatus.interested:
            add_feed_item(
                session,
                site_id=d.site_id,
                kind="worker_interested",
                title=f"村民回复有意向：{d.job_title or '岗位'} / A worker is interested",
                payload={
                    "match_id": str(d.match_id),
                    "worker_id": str(d.worker_id),
                    "job_id": str(d.job_id),
                    "job_title": d.job_title,
                },
                now=now,
                source_event_id=ev.id,
            )
        if d.to_status == MatchStatus.referred:
            params = {"job": d.job_title or "推荐岗位"}
            sending.enqueue(session, ev, "referral", params, now, match_id=d.match_id, job_id=d.job_id)

    def on_zero_employment(session: Session, ev: ZeroEmploymentAlerted) -> None:
        d = ev.data
        add_feed_item(
            session,
            site_id=d.site_id,
            kind="zero_employment_alert",
            title=f"零就业家庭已超过{d.working_days}个工作日 / Zero-employment household past its deadline",
            payload={
                "household_id": str(d.household_id),
                "zero_employment_since": d.zero_employment_since.isoformat(),
                "working_days": d.working_days,
                "proposed_job_ids": [str(j) for j in d.proposed_job_ids],
            },
            now=CLOCK.now(),
            source_event_id=ev.id,
        )

    # ---------------------------------------------------------------- jobs.events
    def on_job(session: Session, ev: JobPosted | JobUpdated) -> None:
        d = ev.data
        now = CLOCK.now()
        if liveness.record(session, "job", d.job_id, d.status.value, now, version=d.version):
            liveness.cancel_waiting_for(session, "job_id", d.job_id, now)

    def on_job_closed(session: Session, ev: JobClosed) -> None:
        d = ev.data
        now = CLOCK.now()
        if liveness.record(session, "job", d.job_id, d.reason, now, version=d.version):
            liveness.cancel_waiting_for(session, "job_id", d.job_id, now)

    def on_training_published(session: Session, ev: TrainingPublished) -> None:
        d = ev.data
        now = CLOCK.now()
        detail = {
            "seats_left": d.seats_left,
            "starts_on": d.starts_on.isoformat() if d.starts_on else None,
            "place": d.location.name or d.location.county,
        }
        state = liveness.record(
            session, "training", d.training_id, d.status.value, now, version=d.version, detail=detail
        )
        if state is not None:
            liveness.cancel_waiting_for(session, "training_id", d.training_id, now)

    def on_enrolment(session: Session, ev: TrainingEnrolmentChanged) -> None:
        d = ev.data
        now = CLOCK.now()
        state = repo.get_referent(session, "training", d.training_id)
        liveness.record(
            session,
            "training",
            d.training_id,
            state.status if state else "open",
            now,
            detail={"seats_left": d.seats_left},
        )
        liveness.cancel_waiting_for(session, "training_id", d.training_id, now)
        label = {"enrolled": "已报上", "waitlisted": "候补", "completed": "已结业", "withdrawn": "已退出"}
        add_feed_item(
            session,
            site_id=d.site_id,
            kind="training_enrolment",
            title=_title(
                f"培训报名{label[d.status]}：{d.title}（剩余名额{d.seats_left}）",
                f"Course enrolment {d.status}: {d.title} ({d.seats_left} seats left)",
            ),
            payload={
                "enrolment_id": str(d.enrolment_id),
                "training_id": str(d.training_id),
                "worker_id": str(d.worker_id),
                "offer_id": str(d.offer_id) if d.offer_id else None,
                "status": d.status,
                "title": d.title,
                "seats_left": d.seats_left,
                "certificate": d.certificate,
            },
            now=now,
            source_event_id=ev.id,
        )
        if d.status in ("enrolled", "waitlisted"):
            starts = (state.detail.get("starts_on") if state else None) or None
            params = {"title": d.title, "starts": date_text(_date(starts))}
            template = "course_enrolled" if d.status == "enrolled" else "course_waitlisted"
            sending.enqueue(
                session, ev, template, params, now, training_id=d.training_id, offer_id=d.offer_id
            )

    # ---------------------------------------------------------------- workers.events
    def on_placement(session: Session, ev: PlacementStarted | PlacementEnded) -> None:
        d = ev.data
        now = CLOCK.now()
        status = "ended" if isinstance(ev, PlacementEnded) else d.status
        if liveness.record(session, "placement", d.placement_id, status, now, version=d.version):
            liveness.cancel_waiting_for(session, "placement_id", d.placement_id, now)

    def on_follow_up_due(session: Session, ev: FollowUpFellDue) -> None:
        d = ev.data
        now = CLOCK.now()
        liveness.record(session, "follow_up", d.follow_up_id, "due", now)
        employer = d.employer_name or d.job_title or "现在的单位"
        sending.enqueue(
            session,
            ev,
            "follow_up",
            {"employer": employer},
            now,
            placement_id=d.placement_id,
            follow_up_id=d.follow_up_id,
        )

    def on_follow_up_recorded(session: Session, ev: FollowUpRecorded) -> None:
        d = ev.data
        now = CLOCK.now()
        liveness.record(session, "follow_up", d.follow_up_id, d.status, now)
        liveness.cancel_waiting_for(session, "follow_up_id", d.follow_up_id, now)

    def on_follow_up_overdue(session: Session, ev: FollowUpWentOverdue) -> None:
        d = ev.data
        now = CLOCK.now()
        liveness.record(session, "follow_up", d.follow_up_id, "overdue", now)
        add_feed_item(
            session,
            site_id=d.site_id,
            kind="follow_up_overdue",
            title=_title(
                f"回访无回复，请电话或上门回访：{d.employer_name or d.job_title}（第{d.month_offset}个月）",
                f"Follow-up unanswered: please call or visit (month {d.month_offset})",
            ),
            payload={
                "task": "call_or_visit",
                "follow_up_id": str(d.follow_up_id),
                "placement_id": str(d.placement_id),
                "worker_id": str(d.worker_id),
                "household_id": str(d.household_id),
                "due_on": d.due_on.isoformat(),
                "month_offset": d.month_offset,
                "employer_name": d.employer_name,
                "job_title": d.job_title,
            },
            now=now,
            source_event_id=ev.id,
        )

    def on_departure_scheduled(session: Session, ev: DepartureScheduled) -> None:
        schedule.schedule_departure(session, ev, CLOCK.now())

    def on_departure_cancelled(session: Session, ev: DepartureCancelled) -> None:
        schedule.cancel_departure(session, ev, CLOCK.now())

    def on_site_alert(session: Session, ev: SiteAlertRaised) -> None:
        d = ev.data
        add_feed_item(
            session,
            site_id=d.site_id,
            kind="site_alert",
            title=_title(d.zh, d.en),
            payload={
                "alert": d.kind,
                "household_id": str(d.household_id) if d.household_id else None,
                "worker_id": str(d.worker_id) if d.worker_id else None,
                "month": d.month,
                "previous_employed": d.previous_employed,
                "employed": d.employed,
                "zh": d.zh,
                "en": d.en,
            },
            now=CLOCK.now(),
            source_event_id=ev.id,
        )

    return {
        MatchProposed.type_name(): on_match_proposed,
        TrainingOffered.type_name(): on_training_offered,
        MatchStatusChanged.type_name(): When(changes_liveness, on_match_status_changed),
        ZeroEmploymentAlerted.type_name(): on_zero_employment,
        JobPosted.type_name(): on_job,
        JobUpdated.type_name(): on_job,
        JobClosed.type_name(): on_job_closed,
        TrainingPublished.type_name(): on_training_published,
        TrainingEnrolmentChanged.type_name(): on_enrolment,
        PlacementStarted.type_name(): on_placement,
        PlacementEnded.type_name(): on_placement,
        FollowUpFellDue.type_name(): on_follow_up_due,
        FollowUpRecorded.type_name(): on_follow_up_recorded,
        FollowUpWentOverdue.type_name(): on_follow_up_overdue,
        DepartureScheduled.type_name(): on_departure_scheduled,
        DepartureCancelled.type_name(): on_departure_cancelled,
        SiteAlertRaised.type_name(): on_site_alert,
    }


def changes_liveness(ev: MatchStatusChanged) -> bool:
    """False for proposed -> notified (the SMS went out): an offer is live in both, a referral in neither,
    so recording it would cancel nothing and change no later decision (one event per SMS sent)."""
    return ev.data.to_status != MatchStatus.notified


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def build_consumer(runtime: Runtime, wake: Callable[[], None]) -> ConsumerRunner:
    """The notifications consumer of matching, jobs and workers events: one transaction a poll, then the
    dispatcher is woken."""
    s = runtime.settings
    config = ConsumerConfig(
        name="notifications",
        group_id=s.group("notifications"),
        topics=[s.topic(t) for t in TOPICS],
        bootstrap=s.kafka_bootstrap,
        batch=True,
    )
    return ConsumerRunner(
        config, runtime.engine, runtime.tables, build_handlers(), runtime.producer, after_commit=wake
    )
