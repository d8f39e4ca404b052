"""Invariants of the taxonomy data files (occupations.tsv, trades.toml, certificates.toml)."""

from __future__ import annotations

import csv
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2] / "libs" / "taxonomy" / "src" / "anju_taxonomy" / "data"
LEVELS = ("major", "mid", "small", "occupation")
# Sectors the vocabulary issue names; each needs real coverage.
REQUIRED_SECTORS = {
    "construction_machinery": 8,
    "decoration": 8,
    "catering": 10,
    "care": 4,
    "beauty": 5,
    "repair": 8,
    "agriculture": 10,
    "aquaculture": 3,
    "transport": 8,
    "public_welfare": 10,
    "garment": 10,
    "electronics": 8,
    "manufacturing": 10,
    "logistics": 5,
    "domestic": 5,
    "handicraft": 8,
    "ecommerce": 4,
    "security": 3,
    "cleaning": 5,
}


@cache
def occupation_file() -> tuple[tuple[str, ...], tuple[dict[str, str], ...]]:
    """The # comment lines and the rows of occupations.tsv."""
    text = (DATA / "occupations.tsv").read_text(encoding="utf-8")
    comments = tuple(line for line in text.splitlines() if line.startswith("#"))
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    rows = tuple(csv.DictReader(body, delimiter="\t", quoting=csv.QUOTE_NONE))
    return comments, rows


@cache
def trades_file() -> dict[str, Any]:
    with (DATA / "trades.toml").open("rb") as handle:
        return tomllib.load(handle)


@cache
def certificates() -> dict[str, dict[str, Any]]:
    with (DATA / "certificates.toml").open("rb") as handle:
        raw = tomllib.load(handle)["certificate"]
    ids = [c["id"] for c in raw]
    assert len(ids) == len(set(ids)), "certificate ids repeat"
    return {c["id"]: c for c in raw}


def trades() -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = trades_file()["trade"]
    return result


def norm(text: str) -> str:
    """The form in which two spellings count as the same alias (width, case and spaces folded)."""
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


# --- occupations.tsv ---------------------------------------------------------------------------------


def test_occupation_columns_levels_and_code_shapes() -> None:
    _, rows = occupation_file()
    assert rows, "occupations.tsv has no rows"
    assert list(rows[0].keys()) == ["code", "level", "name", "parent_code"]
    for row in rows:
        assert row["level"] in LEVELS, row
        assert re.fullmatch(r"\d(-\d{2}){0,3}", row["code"]), row
        assert len(row["code"].split("-")) == LEVELS.index(row["level"]) + 1, row
        assert row["name"], row


def test_occupation_codes_are_unique_and_every_parent_exists_one_level_up() -> None:
    _, rows = occupation_file()
    by_code = {r["code"]: r for r in rows}
    assert len(by_code) == len(rows), "repeated occupation codes"
    for row in rows:
        if row["level"] == "major":
            assert row["parent_code"] == "", row
            continue
        parent = by_code.get(row["parent_code"])
        assert parent is not None, f"{row['code']}: parent {row['parent_code']!r} missing"
        assert LEVELS.index(parent["level"]) == LEVELS.index(row["level"]) - 1, row
        assert row["code"].startswith(parent["code"] + "-"), row


def test_occupation_counts_match_the_source_and_the_header() -> None:
    comments, rows = occupation_file()
    counts = Counter(r["level"] for r in rows)
    assert counts == {"major": 8, "mid": 79, "small": 449, "occupation": 1636}
    header = "\n".join(comments)
    assert f"Occupations: {counts['occupation']} in this source" in header
    assert "1639" in header, "the official edition's count must be stated beside the source's"
    assert "CC BY 4.0" in header and "JobE" in header


def test_occupation_names_carry_no_dot_leaders_or_page_numbers() -> None:
    _, rows = occupation_file()
    for row in rows:
        assert not re.search(r"[…⋯.．·]{2,}|\d+$", row["name"]), row
        assert row["name"] == row["name"].strip(), row


def test_known_occupations_are_where_the_classification_puts_them() -> None:
    _, rows = occupation_file()
    names = {r["code"]: r["name"] for r in rows}
    assert names["6-05-01-03"] == "缝纫工"
    assert names["6-18-01-01"] == "车工"
    assert names["6-30-05-05"] == "挖掘铲运和桩工机械司机"
    assert names["4-09-08-01"] == "保洁员"
    assert names["1-01"] == "中国共产党机关负责人"


# --- trades.toml -------------------------------------------------------------------------------------


def test_there_are_at_least_500_trades_with_unique_ascii_ids() -> None:
    ids = [t["id"] for t in trades()]
    assert len(ids) >= 500
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for trade_id in ids:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", trade_id), trade_id


def test_every_trade_has_names_a_known_sector_and_typed_fields() -> None:
    sectors = trades_file()["sectors"]
    for key, sector in sectors.items():
        assert sector["zh"] and sector["en"], key
    for t in trades():
        assert t["zh"].strip() and t["en"].strip(), t["id"]
        assert t["sector"] in sectors, t["id"]
        assert isinstance(t["entry_level"], bool), t["id"]
        for key in ("codes", "aliases", "licences"):
            assert isinstance(t[key], list), (t["id"], key)


def test_the_sectors_of_the_issue_are_covered() -> None:
    per_sector = Counter(t["sector"] for t in trades())
    short = {s: per_sector[s] for s, need in REQUIRED_SECTORS.items() if per_sector[s] < need}
    assert not short, f"sectors with too few trades: {short}"


def test_aliases_average_at_least_three_and_look_like_trade_names() -> None:
    all_trades = trades()
    assert sum(len(t["aliases"]) for t in all_trades) / len(all_trades) >= 3
    for t in all_trades:
        assert len(t["aliases"]) >= 3, t["id"]
        assert len(set(t["aliases"])) == len(t["aliases"]), t["id"]
        for alias in t["aliases"]:
            assert alias == alias.strip() and alias, (t["id"], alias)
            assert norm(alias) != norm(t["zh"]), (t["id"], alias)
            # A trade name, not a sentence: short and without sentence punctuation.
            # (English words are longer: "forklift driver"; still a name, not a sentence.)
            limit = 24 if alias.isascii() else 12
            assert len(alias) <= limit and not re.search(r"[，。；！？,;!?]", alias), (t["id"], alias)


def test_every_code_exists_in_occupations() -> None:
    _, rows = occupation_file()
    known = {r["code"] for r in rows}
    for t in trades():
        for code in t["codes"]:
            assert code in known, (t["id"], code)
    with_codes = sum(1 for t in trades() if t["codes"])
    assert with_codes / len(trades()) >= 0.95


def test_every_licence_exists_and_is_legally_required() -> None:
    certs = certificates()
    for t in trades():
        for licence in t["licences"]:
            assert licence in certs, (t["id"], licence)
            assert certs[licence]["mandatory"] is True, (t["id"], licence)


def test_the_licences_the_law_requires_are_there() -> None:
    by_id = {t["id"]: t for t in trades()}
    assert "special_ops_welding" in by_id["welder"]["licences"]
    assert "special_ops_low_voltage" in by_id["electrician"]["licences"]
    assert "special_equipment_forklift" in by_id["forklift_driver"]["licences"]
    assert "special_equipment_crane_operator" in by_id["overhead_crane_operator"]["licences"]
    assert "driving_licence_a2" in by_id["trailer_driver"]["licences"]
    for t in trades():
        if t["sector"] == "catering":
            assert "health_certificate" in t["licences"], t["id"]


def test_regional_notes_name_an_alias_of_the_trade() -> None:
    for t in trades():
        for note in t.get("regional", []):
            alias, sep, region = note.partition("@")
            assert sep and region, (t["id"], note)
            assert alias in t["aliases"] or alias == t["zh"], (t["id"], note)


def test_related_trades_exist_with_partial_credit_and_reasons() -> None:
    by_id = {t["id"]: t for t in trades()}
    for t in trades():
        for rel in t.get("related", []):
            assert rel["id"] in by_id and rel["id"] != t["id"], (t["id"], rel["id"])
            assert 0.3 <= rel["credit"] <= 0.7, (t["id"], rel)
            assert rel["why_zh"].strip() and rel["why_en"].strip(), (t["id"], rel)


def test_relations_are_symmetric() -> None:
    credit = {(t["id"], r["id"]): r["credit"] for t in trades() for r in t.get("related", [])}
    for (a, b), value in credit.items():
        assert credit.get((b, a)) == value, f"{a} -> {b} ({value}) has no matching {b} -> {a}"


def test_no_alias_names_two_trades_unless_listed_as_ambiguous() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for t in trades():
        for name in (t["zh"], *t["aliases"]):
            owners[norm(name)].add(t["id"])
    ambiguous = {norm(a["alias"]): set(a["trades"]) for a in trades_file()["ambiguous"]}
    for name, ids in owners.items():
        if len(ids) > 1:
            assert name in ambiguous, f"{name!r} is written for {sorted(ids)} but not listed in [[ambiguous]]"
            assert ids <= ambiguous[name], (name, sorted(ids))


def test_ambiguous_aliases_are_listed_under_every_trade_they_name() -> None:
    by_id = {t["id"]: t for t in trades()}
    entries = trades_file()["ambiguous"]
    assert {e["alias"] for e in entries} >= {"车工", "瓦工", "木工", "钣金"}
    for entry in entries:
        assert len(entry["trades"]) >= 2, entry
        assert entry["hint_zh"].strip(), entry
        for trade_id in entry["trades"]:
            assert trade_id in by_id, entry
            assert entry["alias"] in by_id[trade_id]["aliases"], (entry["alias"], trade_id)
    chegong = next(e for e in entries if e["alias"] == "车工")
    assert set(chegong["trades"]) == {"sewing_machinist", "lathe_operator"}


def test_false_friends_are_distinct_and_never_share_a_name_or_credit() -> None:
    by_id = {t["id"]: t for t in trades()}
    pairs = [(d["a"], d["b"]) for d in trades_file()["distinct"]]
    assert {frozenset(p) for p in pairs} >= {
        frozenset(("fitter", "sheet_metal_worker")),
        frozenset(("bricklayer", "carton_maker")),
        frozenset(("cleaner", "nursery_carer")),
        frozenset(("electrician", "welder")),
        frozenset(("lathe_operator", "general_worker")),
    }
    for a, b in pairs:
        assert a in by_id and b in by_id and a != b, (a, b)
        names_a = {norm(n) for n in (by_id[a]["zh"], *by_id[a]["aliases"])}
        names_b = {norm(n) for n in (by_id[b]["zh"], *by_id[b]["aliases"])}
        assert not names_a & names_b, (a, b, names_a & names_b)
        assert b not in {r["id"] for r in by_id[a].get("related", [])}, (a, b)
        assert a not in {r["id"] for r in by_id[b].get("related", [])}, (a, b)


# --- certificates.toml -------------------------------------------------------------------------------


@pytest.mark.parametrize("cert_id", sorted(certificates()))
def test_each_certificate_names_its_issuer_and_course(cert_id: str) -> None:
    cert = certificates()[cert_id]
    for key in ("zh", "en", "issuer_zh", "course_zh", "course_en"):
        assert str(cert[key]).strip(), (cert_id, key)
    assert isinstance(cert["mandatory"], bool), cert_id
    assert len(cert["aliases"]) >= 1, cert_id


def test_certificate_aliases_name_one_certificate_each() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for cert in certificates().values():
        for alias in cert["aliases"]:
            owners[norm(alias)].add(cert["id"])
    shared = {a: sorted(ids) for a, ids in owners.items() if len(ids) > 1}
    assert not shared, shared


def test_the_certificates_workers_write_are_known() -> None:
    aliases = {norm(a) for c in certificates().values() for a in c["aliases"]}
    written_by_workers = ("焊工证", "电工证", "叉车证", "N1证", "健康证", "高处作业证", "A2驾照", "C1驾照")
    for written in written_by_workers:
        assert norm(written) in aliases, written
