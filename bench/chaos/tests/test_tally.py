"""The drill's counting: lost, duplicated, in doubt and unexpected submits at the SMPP peer."""

from __future__ import annotations

import itertools
import random

from bench.chaos.faults import kill_plan
from bench.chaos.tally import Proposal, submit_key, tally


def offer(phone: str, wage: int) -> dict[str, str]:
    """A submit_sm as the peer logs it."""
    return {
        "dest": phone,
        "text": f"王家社区扶贫车间招缝纫工，月薪{wage}-{wage + 1500}元，在惠水县。有意向回1",
    }


def proposal(n: int, phone: str, wage: int, consent: bool = True) -> Proposal:
    """Match n for a worker's number and a job's wage."""
    return Proposal(f"m{n}", f"j{wage}", f"w{phone}", wage, phone, consent)


def test_submit_key_reads_number_and_wage() -> None:
    assert submit_key(offer("8613900000001", 3007)) == ("8613900000001", 3007)
    assert submit_key({"dest": "+8613900000001", "text": "月薪3500元，在惠水县"}) == ("8613900000001", 3500)
    assert submit_key({"dest": "8613900000001", "text": "您已被推荐应聘缝纫工"}) is None


def test_every_kind_of_miss_is_counted() -> None:
    proposals = [
        proposal(1, "861", 3000),  # sent once: fine
        proposal(2, "862", 3000),  # never sent: lost
        proposal(3, "863", 3001),  # sent twice, recorded in doubt: allowed
        proposal(4, "864", 3001),  # sent twice, not in doubt: a real duplicate
        proposal(5, "865", 3002, consent=False),  # no consent, and sent: unexpected
        proposal(6, "866", 3002, consent=False),  # no consent, not sent: fine
    ]
    submits = [offer("861", 3000), offer("863", 3001), offer("863", 3001)]
    submits += [offer("864", 3001)] * 3 + [offer("865", 3002), offer("869", 3009)]
    result = tally(proposals, submits, {"m3"})
    assert (result.proposals, result.notifications, result.submits) == (6, 4, 8)
    assert result.lost == ["m2"]
    assert result.duplicated == ["m3", "m4"]
    assert result.duplicated_not_in_doubt == ["m4"]
    assert result.extra_submits == 3
    assert result.unexpected == 2  # the worker without consent, and a number nobody proposed
    assert result.in_doubt == 1
    assert not result.target_met


def test_a_clean_run_meets_the_target_with_in_doubt_duplicates() -> None:
    proposals = [proposal(1, "861", 3000), proposal(2, "862", 3000)]
    result = tally(proposals, [offer("861", 3000), offer("862", 3000), offer("862", 3000)], {"m2"})
    assert result.target_met
    assert result.summary()["duplicated"] == 1


def test_kill_plan_kills_each_target_before_any_twice() -> None:
    targets = ["gateway", "jobs", "workers", "matching", "notifications", "broker"]
    plan = kill_plan(targets, 20, random.Random(7))
    assert len(plan) == 20
    assert sorted(plan[:6]) == sorted(targets) and sorted(plan[6:12]) == sorted(targets)
    assert all(a != b for a, b in itertools.pairwise(plan))
