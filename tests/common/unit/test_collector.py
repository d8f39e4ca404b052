"""Every Anju process runs the collector with the kit's thresholds."""

from __future__ import annotations

import gc

from anju_common import collector


def test_the_collector_runs_young_collections_less_often_and_keeps_the_older_ratios() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        collector.tune()
        assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, 10, 10)
        assert gc.isenabled()
    finally:
        gc.set_threshold(*before)
