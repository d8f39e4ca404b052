"""python -m matching renormalise: stored profiles read again with a grown vocabulary unlock new matches."""

from __future__ import annotations

import pytest
from anju_common.db import make_engine, session_scope
from anju_common.events import SkillData
from anju_common.migrate import upgrade
from anju_common.testing import Infra
from matching.config import MatchingSettings
from matching.models import Match
from matching.projection import apply_job, apply_worker
from matching.renormalise import renormalise
from matching.state import MatchingState
from sqlmodel import select

from tests.matching.conftest import MIGRATIONS
from tests.matching.helpers import NORM, TODAY, job, worker

pytestmark = pytest.mark.integration


def test_a_new_alias_makes_a_stored_worker_match_after_renormalising(minfra: Infra) -> None:
    url = minfra.create_database("matching_renorm")
    upgrade(MIGRATIONS, url)
    engine = make_engine(url)
    settings = MatchingSettings(database_url=url, topic_prefix=minfra.topic_prefix)
    state = MatchingState(settings.params(), NORM)
    w = worker(skills=[SkillData(name="打边车", level=3)])
    posting = job(title="拷边工", skills=["拷边工"])
    with session_scope(engine) as session:
        apply_worker(session, state, w, propose=False)
        apply_job(session, state, posting, propose=False)

    before = renormalise(settings, engine, vocabulary=NORM, propose=False)
    assert (before.workers, before.jobs) == (1, 1)
    assert before.unknown == {"打边车": 1}

    grown = NORM.with_aliases({"打边车": "overlock_operator"})
    after = renormalise(settings, engine, vocabulary=grown, day=TODAY)
    assert after.unknown == {}
    assert after.proposed == 1
    with session_scope(engine) as session:
        rows = session.exec(select(Match)).all()
        assert [(m.worker_id, m.job_id) for m in rows] == [(w.worker_id, posting.job_id)]
    assert renormalise(settings, engine, vocabulary=grown, day=TODAY).proposed == 0, "repeatable"
