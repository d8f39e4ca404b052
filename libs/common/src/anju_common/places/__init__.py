"""GB/T 2260 administrative divisions: the shipped table, a normaliser for every spelling, API fields."""

from anju_common.places.columns import (
    PlaceRow,
    location_columns,
    location_of,
    patched_place,
    place_columns,
    place_names,
)
from anju_common.places.divisions import Division, Level, division, divisions, table
from anju_common.places.fields import CountyText, ProvinceCode, ProvinceText, county_within, province_code
from anju_common.places.normalise import (
    PlaceError,
    closest,
    code_or_none,
    county,
    label,
    prefecture,
    province,
)

__all__ = [
    "CountyText",
    "Division",
    "Level",
    "PlaceError",
    "PlaceRow",
    "ProvinceCode",
    "ProvinceText",
    "closest",
    "code_or_none",
    "county",
    "county_within",
    "division",
    "divisions",
    "label",
    "location_columns",
    "location_of",
    "patched_place",
    "place_columns",
    "place_names",
    "prefecture",
    "province",
    "province_code",
    "table",
]
