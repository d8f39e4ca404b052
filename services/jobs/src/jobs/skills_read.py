"""What each skill of a job was read as, told to the employer: the same reading matching ranks with.

The vocabulary is the shipped one plus the aliases admins add in matching (a read copy of them,
`anju_common.alias_copy`, fed by matching's taxonomy.alias_* events), so the read-back follows them.
"""

from __future__ import annotations

from anju_common.alias_copy import AliasCopy
from anju_common.events import TaxonomyAliasAdded, TaxonomyAliasRemoved
from anju_taxonomy import Context, Vocabulary, default_vocabulary
from pydantic import BaseModel, Field
from sqlmodel import Session

from jobs.models import Employer, Job, taxonomy_alias


def _build(aliases: dict[str, str]) -> Vocabulary:
    base = default_vocabulary()
    return base.with_aliases(aliases) if aliases else base


ALIASES: AliasCopy[Vocabulary] = AliasCopy(taxonomy_alias, _build)


class TradeReadOut(BaseModel):
    """One trade a skill was read as."""

    trade_id: str
    zh: str
    en: str
    how: str = Field(description="exact | variant | english | pinyin | alias | context | ambiguous …")
    alternatives: list[str] = Field(description="other trades an ambiguous name can mean")
    reason_zh: str
    reason_en: str


class SkillRead(BaseModel):
    """What one posted skill was read as; understood=false means matching compares it as text only."""

    text: str
    understood: bool
    trade_id: str | None = Field(description="the first trade read, null when none")
    zh: str | None
    en: str | None
    how: str | None
    trades: list[TradeReadOut]
    unknown: list[str] = Field(description="parts of the entry that were not understood")
    note_zh: str
    note_en: str


def _note(trades: list[TradeReadOut], unknown: list[str]) -> tuple[str, str]:
    if not trades:
        return (
            "未能识别该技能，将按文字比对；可改用常见工种名称",
            "not understood: compared as text; a common trade name matches more workers",
        )
    names_zh = "、".join(t.zh for t in trades)
    names_en = ", ".join(t.en for t in trades)
    if unknown:
        return (
            f"识别为{names_zh}；未识别：{'、'.join(unknown)}",
            f"read as {names_en}; not understood: {', '.join(unknown)}",
        )
    return f"识别为{names_zh}", f"read as {names_en}"


def read_back(skills: list[str], title: str, employer: Employer | None, vocab: Vocabulary) -> list[SkillRead]:
    """Each skill read with the job's title, employer and other skills as context (as matching reads it)."""
    out: list[SkillRead] = []
    for name in skills:
        others = tuple(n for n in skills if n != name)
        ctx = Context(
            skills=(*others, title),
            employer_name=employer.name if employer else None,
            employer_kind=employer.kind if employer else None,
        )
        r = vocab.read(name, ctx)
        trades = [
            TradeReadOut(
                trade_id=h.trade_id,
                zh=h.zh,
                en=h.en,
                how=h.how,
                alternatives=list(h.alternatives),
                reason_zh=h.reason_zh,
                reason_en=h.reason_en,
            )
            for h in r.trades
        ]
        unknown = list(r.unknown)
        zh, en = _note(trades, unknown)
        first = trades[0] if trades else None
        out.append(
            SkillRead(
                text=name,
                understood=bool(trades) and not unknown,
                trade_id=first.trade_id if first else None,
                zh=first.zh if first else None,
                en=first.en if first else None,
                how=first.how if first else None,
                trades=trades,
                unknown=unknown,
                note_zh=zh,
                note_en=en,
            )
        )
    return out


def job_skills_read(job: Job) -> list[SkillRead]:
    """The read-back of a stored job, with the aliases its session's database holds."""
    session = Session.object_session(job)
    employer = session.get(Employer, job.employer_id) if session is not None else None
    vocab = ALIASES.get(session if isinstance(session, Session) else None)
    return read_back(list(job.skills), job.title, employer, vocab)


def on_alias_changed(session: Session, event: TaxonomyAliasAdded | TaxonomyAliasRemoved) -> None:
    """Keep the read copy of matching's aliases (read-backs are computed when asked, nothing to redo)."""
    ALIASES.apply(session, event)
