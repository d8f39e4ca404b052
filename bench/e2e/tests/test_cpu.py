"""The CPU accounting's parsing of /proc, and the arithmetic between two samples."""

from __future__ import annotations

import os

from bench.e2e import cpu


def test_process_seconds_reads_utime_and_stime_even_when_the_name_has_spaces_and_parentheses() -> None:
    stat = "4242 (python -m (x)) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 9 0 123 456 789"
    assert cpu.process_seconds(stat) == (250 + 50) / cpu.TICK


def test_machine_busy_leaves_out_idle_and_iowait() -> None:
    stat = "cpu  100 5 50 1000 20 3 2 0 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n"
    assert cpu.machine_busy_seconds(stat) == (100 + 5 + 50 + 3 + 2) / cpu.TICK


def test_a_live_sample_sees_this_process_and_spent_divides_by_the_sms() -> None:
    before = cpu.sample([("self", os.getpid())])
    sum(i * i for i in range(300_000))  # some CPU between the samples
    after = cpu.sample([("self", os.getpid())])
    assert after.parts["self"] >= before.parts["self"] and after.machine >= before.machine
    report = cpu.spent(
        cpu.Sample({"workers": 1.0, "bench": 2.0}, 10.0),
        cpu.Sample({"workers": 3.0, "bench": 2.5}, 14.0),
        100,
        2.0,
    )
    assert report["seconds"] == {"workers": 2.0, "bench": 0.5}
    assert report["ms_per_sms"] == {"workers": 20.0, "bench": 5.0}
    assert report["machine_busy_share"] == round(4.0 / (2.0 * (os.cpu_count() or 1)), 3)
