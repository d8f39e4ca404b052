"""Workers' skills read with the shared vocabulary, so `?skill=缝纫` finds 平车工, 车位 and sewing machinists.

Each worker's trade ids are kept in `worker.skill_ids` ("|sewing_machinist|lathe_operator|"), written with
the skills. The vocabulary is the shipped one plus the aliases admins add in matching: this service keeps
a read copy of them (`anju_common.alias_copy`: `taxonomy_alias`, fed by matching's taxonomy.alias_added /
alias_removed events), and every process re-reads that table when it changed (checked every 5 s at most).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from typing import Any

from anju_common.alias_copy import AliasCopy
from anju_common.db import make_engine, session_scope
from anju_common.events import TaxonomyAliasAdded, TaxonomyAliasRemoved
from anju_common.logs import get_logger
from anju_taxonomy import Context, Vocabulary, default_vocabulary
from sqlmodel import Session, col, select

from workers.config import get_settings
from workers.models import Worker, taxonomy_alias

log = get_logger(__name__)


def _build(aliases: dict[str, str]) -> Vocabulary:
    base = default_vocabulary()
    log.info("workers.vocabulary_loaded", aliases=len(aliases))
    return base.with_aliases(aliases) if aliases else base


ALIASES: AliasCopy[Vocabulary] = AliasCopy(taxonomy_alias, _build)


def vocabulary(session: Session | None = None) -> Vocabulary:
    """The vocabulary with the stored aliases; with a session, re-read when the table changed."""
    return ALIASES.get(session)


def refresh(session: Session, *, force: bool = False) -> Vocabulary:
    """Rebuild the process's vocabulary when the alias table changed."""
    return ALIASES.refresh(session, force=force)


def trade_ids(names: Sequence[str], vocab: Vocabulary) -> list[str]:
    """The trades a worker's skill entries name (each read with the others as context, as matching
    does); an ambiguous name (车工) stands for every trade it can mean."""
    out: list[str] = []
    for name in names:
        others = tuple(n for n in names if n != name)
        r = vocab.read(name, Context(skills=others) if others else None)
        for h in r.trades:
            for ident in (h.trade_id, *(h.alternatives if h.how == "ambiguous" else ())):
                if ident not in out:
                    out.append(ident)
    return out


def skill_ids_column(skills: Iterable[dict[str, Any]], vocab: Vocabulary | None = None) -> str:
    """The value of worker.skill_ids: "|id|id|" (empty when nothing was understood)."""
    ids = trade_ids([str(s["name"]) for s in skills], vocab or vocabulary())
    return f"|{'|'.join(ids)}|" if ids else ""


def query_ids(text: str, vocab: Vocabulary) -> list[str]:
    """Trades a search for text means, or [] when any of it is not understood (then: text search)."""
    r = vocab.read(text)
    if not r.trades or r.unknown:
        return []
    return trade_ids([text], vocab)


def _touched(session: Session, key: str) -> Sequence[Worker]:
    needle = key.lower().replace("\\", "").replace("%", "").replace("_", "")
    return session.exec(select(Worker).where(col(Worker.skills_text).like(f"%{needle}%"))).all()


def renormalise(session: Session, vocab: Vocabulary, workers: Iterable[Worker]) -> int:
    """Write skill_ids again for these workers; returns how many changed."""
    changed = 0
    for w in workers:
        value = skill_ids_column(w.skills, vocab)
        if value != w.skill_ids:
            w.skill_ids = value
            session.add(w)
            changed += 1
    return changed


def on_alias_changed(session: Session, event: TaxonomyAliasAdded | TaxonomyAliasRemoved) -> None:
    """Keep the read copy of matching's aliases and re-read the workers whose skills hold the spelling."""
    vocab = ALIASES.apply(session, event)
    changed = renormalise(session, vocab, _touched(session, event.data.key))
    log.info("workers.alias_applied", changed=changed)


def renormalise_all(session: Session, batch: int = 1000) -> int:
    """Backfill / after a vocabulary upgrade: skill_ids of every worker read again."""
    vocab = refresh(session, force=True)
    changed, last = 0, None
    while True:
        stmt = select(Worker).order_by(col(Worker.id)).limit(batch)
        if last is not None:
            stmt = stmt.where(col(Worker.id) > last)
        rows = session.exec(stmt).all()
        if not rows:
            return changed
        changed += renormalise(session, vocab, rows)
        session.flush()
        last = rows[-1].id


def renormalise_command(_: argparse.Namespace) -> None:
    """python -m workers renormalise: every worker's skill_ids read again (after a vocabulary upgrade)."""
    settings = get_settings()
    with session_scope(make_engine(settings.sqlalchemy_url())) as session:
        changed = renormalise_all(session)
    log.info("workers.skills_renormalised", changed=changed)
    print(f"renormalised skills: {changed} workers changed")
