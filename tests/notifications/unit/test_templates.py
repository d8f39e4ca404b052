"""Every template, rendered with maximum-length parameters, fits the SMS rules: one UCS-2 segment is at most
70 characters, a longer text is split into concatenated parts of at most 67 characters plus a UDH."""

from __future__ import annotations

import pytest
from notifications.templates import (
    MAX_SEGMENTS,
    PART_CHARS,
    SINGLE_SEGMENT_CHARS,
    TEMPLATES,
    concat_udh,
    render,
    split_ucs2,
    ucs2_length,
)

SIGN = "安居就业"


def _max_params(name: str, char: str = "滇") -> dict[str, str]:
    return {key: char * limit for key, limit in TEMPLATES[name].params.items()}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_with_max_params_segments_correctly(name: str) -> None:
    rendered = render(name, _max_params(name))
    text = rendered.smpp_text(SIGN)
    parts = split_ucs2(text)
    assert 1 <= len(parts) <= MAX_SEGMENTS
    if len(parts) == 1:
        assert ucs2_length(text) <= SINGLE_SEGMENT_CHARS
    else:
        assert ucs2_length(text) > SINGLE_SEGMENT_CHARS
        assert all(len(p) // 2 <= PART_CHARS for p in parts)
    assert b"".join(parts).decode("utf-16-be") == text
    # Cloud providers get the code and the same parameters, each within its declared limit.
    assert rendered.template.code.startswith("SMS_")
    for key, limit in rendered.template.params.items():
        assert len(rendered.params[key]) <= limit


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_over_long_params_are_clipped_to_their_limit(name: str) -> None:
    rendered = render(name, _max_params(name, "长") | {k: "长" * 500 for k in TEMPLATES[name].params})
    for key, limit in TEMPLATES[name].params.items():
        assert len(rendered.params[key]) == limit
        assert rendered.params[key].endswith("…")
    assert len(split_ucs2(rendered.smpp_text(SIGN))) <= MAX_SEGMENTS


def test_short_referral_is_one_segment_and_job_offer_with_max_params_is_concatenated() -> None:
    short = render("referral", {"job": "普工"}).smpp_text(SIGN)
    assert len(split_ucs2(short)) == 1
    long = render("job_offer", _max_params("job_offer")).smpp_text(SIGN)
    assert len(split_ucs2(long)) >= 2


def test_exactly_seventy_characters_is_one_segment_and_seventy_one_is_two() -> None:
    assert len(split_ucs2("字" * 70)) == 1
    parts = split_ucs2("字" * 71)
    assert [len(p) // 2 for p in parts] == [67, 4]


def test_surrogate_pairs_are_never_split() -> None:
    text = "字" * 66 + "𠀀" + "字" * 10  # the pair straddles the 67th unit
    parts = split_ucs2(text)
    assert b"".join(parts).decode("utf-16-be") == text
    for p in parts:
        p.decode("utf-16-be")  # each part decodes on its own


def test_udh_layout() -> None:
    assert concat_udh(300, 3, 2) == bytes([5, 0, 3, 300 & 0xFF, 3, 2])
