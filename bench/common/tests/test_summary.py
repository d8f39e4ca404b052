"""A drill's summary is kept as a JSON line and decides the exit status."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from bench.common.summary import run_and_report


def test_the_summary_is_appended_and_ok_decides_the_exit_status(tmp_path: Path) -> None:
    results = tmp_path / "data" / "drill-results.jsonl"
    before = signal.getsignal(signal.SIGTERM)
    try:
        assert run_and_report(lambda: {"ok": True, "lost": 0, "note": "丢失 0"}, results) == 0
        assert run_and_report(lambda: {"ok": False, "lost": 2}, results) == 1
        with pytest.raises(KeyboardInterrupt):  # SIGTERM unwinds like Ctrl-C, so the stack is stopped
            signal.raise_signal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, before)
    lines = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"ok": True, "lost": 0, "note": "丢失 0"}, {"ok": False, "lost": 2}]
