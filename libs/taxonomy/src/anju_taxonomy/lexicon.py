"""The words written around trade names: affixes, lead and trail words, qualifiers, verbs, separators."""

from __future__ import annotations

import re
from collections.abc import Collection

from anju_taxonomy.text import ONLY_HAN

# Affixes that do not change the trade: 焊工师傅, 熟练缝纫工, 持证电工.
SUFFIXES = (
    "操作手",
    "操作工",
    "操作员",
    "驾驶员",
    "司机",
    "师傅",
    "工人",
    "人员",
    "技工",
    "技师",
    "师",
    "工",
    "员",
    "手",
)


GENERIC_HEADS = frozenset(
    ("操作工", "操作员", "操作手", "司机", "驾驶员", "工人", "师傅", "技工", "普工", "人员")
)


ROLES = ("操作手", "操作工", "操作员", "驾驶员", "司机")


PREFIXES = ("老师傅", "熟练", "持证", "资深", "有经验的", "有经验", "老")


# Words around a trade in a free sentence: 会开挖掘机, 做过厨房帮工, 3年焊工经验.
LEAD = (
    "急招",
    "招聘",
    "诚聘",
    "高薪招聘",
    "招",
    "本人",
    "我会",
    "会开",
    "会做",
    "会操作",
    "能开",
    "可开",
    "会用",
    "做过",
    "干过",
    "从事过",
    "从事",
    "熟悉",
    "擅长",
    "精通",
    "懂",
    "持有",
    "具备",
    "具有",
    "想做",
    "可做",
    "能做",
    "可以做",
    "在",
    "会",
    "能",
    "做",
    "干",
    "有",
    "持",
    "当过",
    "当",
    "开",
)


TRAIL = (
    "特种作业",
    "培训班",
    "培训",
    "取证班",
    "取证",
    "考证",
    "技术",
    "技能",
    "手艺",
    "工艺",
    "制作",
    "锻制",
    "相关工作",
    "工作经验",
    "经验",
    "工作",
    "岗位",
    "相关",
    "等工作",
    "等",
    "方面",
    "都行",
    "均可",
    "都可以",
    "的活",
)


# Where or how a post is held, written before the trade without changing it (医院陪护, 公益岗保洁, 道路保洁,
# 住家保姆): set aside as context, the rest is read alone. Longest first.
QUALIFIERS = tuple(
    sorted(
        (
            "公益性岗位",
            "公益岗位",
            "公益岗",
            "公益性",
            "村级",
            "村里",
            "乡村",
            "乡镇",
            "农村",
            "社区",
            "小区",
            "街道",
            "城区",
            "县城",
            "城市",
            "道路",
            "马路",
            "公路",
            "医院",
            "病房",
            "病患",
            "病人",
            "住院部",
            "养老院",
            "敬老院",
            "福利院",
            "学校",
            "校园",
            "幼儿园",
            "食堂",
            "酒店",
            "饭店",
            "宾馆",
            "餐厅",
            "餐馆",
            "商场",
            "超市",
            "写字楼",
            "物业",
            "工地",
            "工厂",
            "厂里",
            "厂区",
            "车间",
            "景区",
            "公园",
            "园区",
            "单位",
            "家庭",
            "住家",
            "临时",
            "长期",
            "全职",
            "兼职",
            "日结",
            "白班",
            "夜班",
            "村",
            "男",
            "女",
        ),
        key=len,
        reverse=True,
    )
)


NOISE_CHARS = set("的了过和及与或也都很较会能等类")


SPLIT = re.compile(
    r"[、，,;；/／|+＋&\n\t。!！?？]+|\s+(?:and|or|&)\s+|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])"
)


COMPOUND = re.compile(r"[、，,;；/／|+＋&\n\t。!！?？（()）【】\[\]〔〕]|\d\s*(?:年|个月)")
# The same tests as regexes that start with one character class, which re scans for in C before trying a
# match (an alternation is tried at every position): SPLIT cuts nowhere without a SPLIT_AT character, and
# COMPOUND finds what COMPOUND_MARK or COMPOUND_YEARS finds.
SPLIT_AT = re.compile(r"[、，,;；/／|+＋&\n\t。!！?？\s]")
COMPOUND_MARK = re.compile(r"[、，,;；/／|+＋&\n\t。!！?？（()）【】\[\]〔〕]")
COMPOUND_YEARS = re.compile(r"\d\s*(?:年|个月)")


# Cheap tests before the regexes: a class searched without making a string per character, as a set would.
BRACKET_CHARS = re.compile(r"[（(【\[〔）)】\]〕]")


CONJ_CHARS = re.compile("[以还和及与或]")


CONJ = re.compile(r"(?<=[\u3400-\u9fff])(?:以及|还有|和|及|与|或者|或)(?=[\u3400-\u9fff])")


BRACKETS = re.compile(r"[（(【\[〔]([^）)】\]〕]*)[）)】\]〕]")


WORKPLACE = re.compile(
    r"([\u3400-\u9fff]{1,4}?)(工厂|厂|车间|公司|工地|饭店|酒店|餐馆|餐厅|食堂|超市|医院|养老院|敬老院|幼儿园|园区|工业园|矿|"
    r"养殖场|农场|基地|合作社|店|场)"
)


# Workplaces that say a sector without naming it.
WORKPLACE_SECTOR_WORDS = {
    "饭店": ("餐饮",),
    "酒店": ("餐饮", "酒店"),
    "餐馆": ("餐饮",),
    "餐厅": ("餐饮",),
    "食堂": ("餐饮",),
    "养老院": ("养老", "照护", "护理"),
    "敬老院": ("养老", "照护", "护理"),
    "医院": ("护理", "照护", "医疗"),
    "幼儿园": ("保育", "托育", "照护"),
    "工地": ("建筑", "施工"),
    "制衣": ("服装",),
    "服装": ("服装",),
    "鞋": ("服装", "鞋"),
    "机械": ("机械",),
    "五金": ("机械",),
    "汽配": ("机械", "汽车"),
    "电子": ("电子",),
}


CONFIDENCE = {
    "exact": 1.0,
    "alias": 1.0,
    "english": 1.0,
    "variant": 0.95,
    "certificate": 0.9,
    "pinyin": 0.9,
    "part": 0.9,
    "homophone": 0.8,
    "context": 0.8,
    "initials": 0.6,
    "ambiguous": 0.5,
}


def scan_keys(s: str, keys: Collection[str], longest: int) -> list[tuple[int, int, str]]:
    """Known keys inside s, longest first at each position, left to right, not overlapping."""
    out = []
    i = 0
    while i < len(s):
        for n in range(min(longest, len(s) - i), 1, -1):
            sub = s[i : i + n]
            if sub in keys:
                out.append((i, i + n, sub))
                i += n
                break
        else:
            i += 1
    return out


def remove_outside(s: str, word: str, protected: list[tuple[int, int]]) -> tuple[str, int]:
    """s without every occurrence of word that is not inside a protected span; and how many went."""
    n = 0
    start = s.find(word)
    while start >= 0:
        end = start + len(word)
        if not any(a <= start and end <= b for a, b in protected):
            s = s[:start] + " " * len(word) + s[end:]
            n += 1
        start = s.find(word, start + 1)
    return s, n


# Verb + object as people say it, and the names boards give the same work:
# 开货车 -> 货车司机, 修电脑 -> 电脑维修, 养殖小龙虾 -> 小龙虾养殖.
VERBS = {
    "开": ("司机", "驾驶员", "操作工", "操作手"),
    "修": ("维修", "维修工", "修理工", "维修师"),
    "养": ("养殖", "养殖工", "饲养员", "饲养工"),
    "种": ("种植", "种植工", "栽培工", "栽培"),
    "做": ("工", "师", "制作", "制作工"),
    "装": ("安装", "安装工"),
    "喂": ("饲养员", "饲养工", "养殖"),
    "摘": ("采摘", "采摘工"),
    "采": ("采摘", "采摘工"),
    "洗": ("清洗", "清洗工"),
    "送": ("员", "配送员"),
    "带": ("员",),
    "铺": ("铺贴", "铺装", "安装", "工"),
    "贴": ("铺贴", "工"),
    "刷": ("工", "涂刷"),
}


FARM_ACTIONS = frozenset(("养殖", "种植", "栽培", "饲养", "修剪", "采摘", "管护", "育苗"))


FARM_SECTORS = frozenset(("agriculture", "forestry", "animal_husbandry", "aquaculture"))


ACTIONS = (
    "修剪",
    "饲养",
    "管护",
    "育苗",
    "养殖",
    "种植",
    "栽培",
    "维修",
    "修理",
    "安装",
    "加工",
    "清洗",
    "驾驶",
    "操作",
    "采摘",
    "管理",
    "制作",
)


def verb_forms(core: str) -> list[str]:
    """Names the same work may be written as: 开货车 -> 货车司机, 修电脑 -> 电脑维修."""
    out: list[str] = []
    if not ONLY_HAN.match(core):
        return out
    verb, rest = core[:1], core[1:]
    if verb in VERBS and len(rest) >= 2:
        out.extend(rest + tail for tail in VERBS[verb])
        out.append(rest)
    for act in ACTIONS:
        if core.startswith(act) and len(core) - len(act) >= 2:
            noun = core[len(act) :]
            out.extend((noun + act, noun + act + "工"))
        elif core.endswith(act) and len(core) - len(act) >= 2:
            noun = core[: -len(act)]
            out.extend((act + noun, noun + act + "工", noun + act + "员"))
    return out


def spaced_pieces(s: str) -> list[str]:
    """Split on the spaces left where qualifiers were taken out; English words stay together."""
    out: list[str] = []
    for token in s.split():
        if out and token.isascii() and out[-1].isascii():
            out[-1] += " " + token
        else:
            out.append(token)
    return out


def strip_suffix(key: str) -> str:
    """key without its first trade suffix (工, 师傅, 操作工 …) that leaves two characters or more."""
    if not key.endswith(SUFFIXES):
        return key
    for s in SUFFIXES:
        if key.endswith(s) and len(key) - len(s) >= 2:
            return key[: -len(s)]
    return key


def strip_prefix(key: str) -> str:
    """key without its first prefix (熟练, 持证, 老师傅 …) that leaves two characters or more."""
    if not key.startswith(PREFIXES):
        return key
    for p in PREFIXES:
        if key.startswith(p) and len(key) - len(p) >= 2:
            return key[len(p) :]
    return key
