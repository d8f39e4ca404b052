"""docs/events.md is generated from the contracts and must not drift from them."""

from scripts.gen_events_doc import DOC, render


def test_events_doc_matches_the_contracts() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run: .venv/bin/python scripts/gen_events_doc.py"
