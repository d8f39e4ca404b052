"""The shipped GB/T 2260 division table: provinces, prefectures and counties by code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Level = Literal["province", "prefecture", "county"]
DATA_FILE = "divisions.tsv"


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division with its 6-digit code and its names."""

    code: str
    level: Level
    parent: str | None
    name: str
    short: str
    en: str
    pinyin: str

    @property
    def province_code(self) -> str:
        """Code of the province this division lies in (its own for a province)."""
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self) -> str | None:
        """Code of the prefecture-level division above a county, if there is one."""
        if self.level == "prefecture":
            return self.code
        if self.level == "county" and self.parent and self.parent != self.province_code:
            return self.parent
        return None

    def within(self, code: str) -> bool:
        """Whether this division is the one named by code or lies inside it."""
        if code == self.code:
            return True
        if code.endswith("0000"):
            return self.province_code == code
        return self.prefecture_code == code

    def label(self) -> str:
        """Chinese name, English name and code, as suggestions show it."""
        return f"{self.name} {self.en} ({self.code})"


@dataclass(frozen=True, slots=True)
class Table:
    """The loaded table and its provenance line."""

    by_code: dict[str, Division]
    as_of: str

    def __iter__(self) -> Iterator[Division]:
        return iter(self.by_code.values())


@cache
def table() -> Table:
    """Read the TSV once per process."""
    text = resources.files("anju_common.places").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    by_code: dict[str, Division] = {}
    as_of = ""
    for line in text.splitlines():
        if line.startswith("#"):
            if line.startswith("# as of "):
                as_of = line.removeprefix("# as of ").split(";")[0]
            continue
        code, level, parent, name, short, en, pinyin = line.split("\t")
        if code == "code":
            continue
        by_code[code] = Division(code, level, parent or None, name, short, en, pinyin)  # type: ignore[arg-type]
    return Table(by_code, as_of)


def division(code: str) -> Division | None:
    """The division with this 6-digit code."""
    return table().by_code.get(code)


def divisions(level: Level | None = None) -> list[Division]:
    """All divisions, or those of one level, in code order."""
    return [d for d in table() if level is None or d.level == level]


@cache
def childless_prefectures() -> frozenset[str]:
    """Prefecture-level cities without counties (东莞, 中山, 嘉峪关, 儋州): they act as counties."""
    parents = {d.parent for d in table() if d.level == "county"}
    return frozenset(d.code for d in table() if d.level == "prefecture" and d.code not in parents)
