"""The command line end of a drill: SIGTERM unwinds like Ctrl-C, the JSON summary is printed and kept."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_and_report(run: Callable[[], dict[str, Any]], results: Path) -> int:
    """Run a drill, append its summary to the results file (JSON lines), print it; 0 when it says ok."""
    # A SIGTERM (timeout, CI) unwinds like Ctrl-C, so that the services and brokers are stopped.
    signal.signal(signal.SIGTERM, _interrupted)
    summary = run()
    text = json.dumps(summary, ensure_ascii=False, default=str)
    results.parent.mkdir(parents=True, exist_ok=True)
    with results.open("a", encoding="utf-8") as out:
        out.write(text + "\n")
    print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    return 0 if summary["ok"] else 1
