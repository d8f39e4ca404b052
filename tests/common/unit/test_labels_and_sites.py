"""Enum labels (Chinese and English spellings in, canonical values out) and the site-id rule of bodies."""

from __future__ import annotations

import uuid

import pytest
from anju_common.events import EmployerKind, LivelihoodType, MonitoringCategory, Shift
from anju_common.labels import LABELS
from anju_common.principal import Principal
from anju_common.problems import Problem
from anju_common.settings import ServiceSettings
from anju_common.sites import SiteCheck
from pydantic import BaseModel, ValidationError


class Body(BaseModel):
    livelihood_type: LivelihoodType
    shift: Shift = Shift.day


def test_chinese_labels_and_english_spellings_give_the_canonical_value() -> None:
    assert Body.model_validate({"livelihood_type": "外出务工"}).livelihood_type == "migrant"
    assert (
        Body.model_validate_json('{"livelihood_type": " Worker-Peasant "}').livelihood_type
        == "worker_peasant"
    )
    assert Body.model_validate({"livelihood_type": "local", "shift": "夜班"}).model_dump(mode="json") == {
        "livelihood_type": "local",
        "shift": "night",
    }
    assert EmployerKind("labour_cooperation") is EmployerKind.labor_cooperation
    assert MonitoringCategory("边缘易致贫户") is MonitoringCategory.marginal
    with pytest.raises(ValidationError):
        Body.model_validate({"livelihood_type": "外星务工"})


def test_every_label_names_a_real_value() -> None:
    import anju_common.events as events

    for enum_name, table in LABELS.items():
        enum = getattr(events, enum_name)
        for label, value in table.items():
            assert enum(label).value == value, (enum_name, label)


def _check(found: dict[uuid.UUID, int], *, on: bool = True) -> SiteCheck:
    settings = ServiceSettings(check_sites=on)
    return SiteCheck(settings, None, lookup=lambda site: found.get(site, 404))


def test_site_ids_must_be_in_scope_and_exist() -> None:
    mine, other, missing = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    sites = _check({mine: 200, other: 200})
    staff = Principal(sub="s", role="office_staff", site_ids=[mine])
    admin = Principal(sub="a", role="admin")
    sites.require(staff, mine, "body.site_id")
    sites.require(admin, other, "body.site_id")
    sites.require(staff, None, "body.site_id")
    with pytest.raises(Problem) as denied:
        sites.require(staff, other, "body.site_id")
    assert denied.value.status == 403
    with pytest.raises(Problem) as unknown:
        sites.require(admin, missing, "body.location.site_id")
    assert (
        unknown.value.status == 422 and unknown.value.extra["errors"][0]["field"] == "body.location.site_id"
    )
    with pytest.raises(Problem) as down:
        _check({missing: 503}).require(admin, missing, "body.site_id")
    assert down.value.status == 503
    _check({}, on=False).require(admin, missing, "body.site_id")  # in-process development: not asked
