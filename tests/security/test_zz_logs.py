"""Runs last: the captured logs of every service for the whole run contain no phone or ID number."""

from __future__ import annotations

import re

import pytest

from tests.e2e.harness import Stack
from tests.security.conftest import Tenant

pytestmark = pytest.mark.e2e
PHONE = re.compile(r"(?<![\dA-Za-z])(?:\+?86)?1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")


def test_service_logs_hold_no_phone_or_id_number(stack: Stack, tenants: dict[str, Tenant]) -> None:
    known = [p for t in tenants.values() for p in t.world.phones.values()]
    known += [p.removeprefix("+86") for p in known]
    ids = [i for t in tenants.values() for i in t.id_numbers]
    failures = []
    for name, text in stack.logs().items():
        assert text.strip(), f"{name} logged nothing: the scan would prove nothing"
        for value in (*known, *ids):
            if value in text:
                failures.append(f"{name}: contains {value[:3]}…")
        for line in text.splitlines():
            for pattern in (PHONE, ID_NUMBER):
                m = pattern.search(line)
                if m:
                    failures.append(f"{name}: {pattern.pattern[:20]}… matches in: {line[:200]}")
    assert not failures, "\n".join(failures[:30])
