"""The one mapping between a place (event Location, API input) and table columns (codes and names)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from anju_common.events.base import Location
from anju_common.places.divisions import division


class PlaceRow(Protocol):
    """A row that keeps a place in the standard columns."""

    @property
    def province(self) -> str | None: ...
    @property
    def province_code(self) -> str | None: ...
    @property
    def county(self) -> str | None: ...
    @property
    def county_code(self) -> str | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


class LocationInput(Protocol):
    """A validated location body: province and county already codes."""

    @property
    def site_id(self) -> uuid.UUID | None: ...
    @property
    def province(self) -> str | None: ...
    @property
    def county(self) -> str | None: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def name(self) -> str | None: ...


def place_names(province_code: str | None, county_code: str | None) -> tuple[str | None, str | None]:
    """Canonical names for validated codes; a county's code decides its province."""
    c = division(county_code) if county_code else None
    p_code = c.province_code if c else province_code
    p = division(p_code) if p_code else None
    return (p.name if p else None), (c.name if c else None)


def place_columns(province_code: str | None, county_code: str | None, *, prefix: str = "") -> dict[str, Any]:
    """Columns {prefix}province(_code) and {prefix}county(_code) for validated codes."""
    c = division(county_code) if county_code else None
    p_code = c.province_code if c else province_code
    p_name, c_name = place_names(p_code, county_code)
    return {
        f"{prefix}province": p_name,
        f"{prefix}province_code": p_code,
        f"{prefix}county": c_name,
        f"{prefix}county_code": county_code,
    }


def location_columns(loc: LocationInput) -> dict[str, Any]:
    """Columns of a job's or course's location (site_id, place, lat/lon, location_name)."""
    return {
        "site_id": loc.site_id,
        **place_columns(loc.province, loc.county),
        "lat": loc.lat,
        "lon": loc.lon,
        "location_name": loc.name,
    }


def location_of(row: PlaceRow, *, site_id: uuid.UUID | None, name: str | None) -> Location:
    """The event Location of a row's place columns."""
    return Location(
        site_id=site_id,
        province=row.province,
        province_code=row.province_code,
        county=row.county,
        county_code=row.county_code,
        lat=row.lat,
        lon=row.lon,
        name=name,
    )


def patched_place(
    sent: set[str],
    new: tuple[str | None, str | None],
    current: tuple[str | None, str | None],
    *,
    prefix: str = "",
) -> dict[str, Any]:
    """Place columns after a PATCH that sent some of {prefix}province/{prefix}county (codes, new and current).

    A new county decides the province; a new province keeps the current county only when it lies inside.
    """
    province, county = (
        new[0] if f"{prefix}province" in sent else current[0],
        new[1] if f"{prefix}county" in sent else current[1],
    )
    c = division(county) if county else None
    if c and f"{prefix}county" in sent:
        province = c.province_code
    elif c and province and c.province_code != province:
        county = None
    return place_columns(province, county, prefix=prefix)
