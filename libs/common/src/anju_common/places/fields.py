"""Pydantic field types that turn any province or county spelling into its code, or a 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo
from pydantic_core import PydanticCustomError

from anju_common.places.normalise import PlaceError, label, resolve

_DOC = (
    "name, short name, English name, pinyin or GB/T 2260 code; stored and returned as the code and its name"
)
ProvinceText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    Field(description=f"province: {_DOC} (贵州, 贵州省, Guizhou, 52, 520000)", examples=["贵州省"]),
]
CountyText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    Field(
        description=f"county-level division: {_DOC}; resolved inside the province (惠水县, Huishui, 522731)",
        examples=["惠水县"],
    ),
]


def _invalid(err: PlaceError) -> PydanticCustomError:
    return PydanticCustomError(
        "place",
        "{message}",
        {"message": err.message, "suggestions": [label(d) for d in err.suggestions]},
    )


def province_code(value: str) -> str:
    """Validator: the province's 6-digit code."""
    try:
        return resolve(value, "province").code
    except PlaceError as err:
        raise _invalid(err) from None


ProvinceCode = Annotated[ProvinceText, AfterValidator(province_code)]


def county_within(province_field: str) -> Callable[[Any, str | None, ValidationInfo], str | None]:
    """A field validator for a county field: its code, resolved inside the province validated before it."""

    def check(cls: Any, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if province_field not in info.data:  # the province itself was invalid and is reported
            return value
        try:
            return resolve(value, "county", info.data[province_field]).code
        except PlaceError as err:
            raise _invalid(err) from None

    return check
