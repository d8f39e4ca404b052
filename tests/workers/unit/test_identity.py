"""Phone normalisation, resident-ID checksum, birth-year bounds and masking (no servers)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from anju_common.pii import mask_id_number, mask_phone
from stdnum.cn import ric
from workers.identity import (
    check_birth_year,
    id_birth_year,
    mask_name,
    normalize_id_number,
    normalize_phone,
)

from tests.workers.helpers import bad_checksum, new_id_number


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "+8613812345678", "8613812345678"],
)
def test_mainland_mobiles_normalise_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+8613812345678"


@pytest.mark.parametrize(
    "raw", ["", "12345", "1381234567", "23812345678", "abc", "010-62345678", "+86 10 6234 5678"]
)
def test_invalid_or_landline_numbers_are_rejected_without_echoing_them(raw: str) -> None:
    with pytest.raises(ValueError) as err:
        normalize_phone(raw)
    assert not raw or raw not in str(err.value)


def test_foreign_mobiles_are_kept_in_e164() -> None:
    assert normalize_phone("+44 7911 123456") == "+447911123456"


def test_id_number_checksum_birth_date_and_format() -> None:
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert normalize_id_number(" 11010519491231002X ") == "11010519491231002X"
    good = new_id_number(1985)
    assert normalize_id_number(good) == good and id_birth_year(good) == 1985
    cases = {
        bad_checksum(good): "checksum",
        "1101051949123100": "18 characters",
        "11010519491231002Y": "17 digits",
        "11010519491331002X": "birth date",
        f"110105{date.today().year + 1}0101001X": "future",
    }
    unknown_region = "99010519491231002"
    cases[unknown_region + ric.calc_check_digit(unknown_region + "0")] = "region"
    for raw, reason in cases.items():
        with pytest.raises(ValueError, match=reason):
            normalize_id_number(raw)


def test_birth_year_bounds_are_working_age() -> None:
    today = date(2026, 6, 1)
    assert check_birth_year(1990, today) == 1990
    assert check_birth_year(2010, today) == 2010
    for year in (1950, 2011, 1800):
        with pytest.raises(ValueError, match="between 1951 and 2010"):
            check_birth_year(year, today)


def test_masks_keep_only_what_staff_recognise() -> None:
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_id_number("110105194912310021") == "110105********0021"
    assert mask_name("王秀英") == "王**" and mask_name("李") == "李*" and mask_name(None) is None


def test_the_plain_mobile_fast_path_answers_what_phonenumbers_answers() -> None:
    from workers.identity import _phonenumbers_e164, _plain_cn_mobile

    rng = random.Random(14)
    taken = 0
    for head in range(1000, 2000):  # every 4-digit start of an 11-digit number beginning with 1
        for _ in range(6):
            number = f"{head}{rng.randrange(10**7):07d}"
            fast = _plain_cn_mobile(number)
            try:
                slow: str | None = _phonenumbers_e164(number, "CN")
            except ValueError:
                slow = None
            if fast is not None:
                taken += 1
                assert fast == slow, number
    assert taken > 2000  # most mobile ranges take it
    assert normalize_phone("13812345678") == "+8613812345678"
    assert _plain_cn_mobile("１３８１２３４５６７８") is None  # full-width digits go through phonenumbers
