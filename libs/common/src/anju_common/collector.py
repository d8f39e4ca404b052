"""The cyclic garbage collector's settings for Anju processes."""

from __future__ import annotations

import gc

# CPython starts a young collection every 700 new container objects. Reading skill entries allocates
# thousands of short-lived tuples and lists per hundred entries and keeps its results in caches, so at 700
# the collector cost about a tenth of the normaliser's time; 10,000 keeps young collections cheap and rare
# (CPython 3.12 raised its own default to 2,000 for the same reason). The older generations keep their
# default ratios, so cyclic garbage is still collected.
YOUNG_THRESHOLD = 10_000


def tune() -> None:
    """Apply Anju's collector thresholds to this process."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
