"""Readings of a large generated set, to show a speed change left every output byte-for-byte the same.

    .venv/bin/python -m bench.taxonomy.identical --save /tmp/before.txt    # on the code before
    .venv/bin/python -m bench.taxonomy.identical --check /tmp/before.txt   # on the code after

The set: the throughput bench's entries of several seeds, every side of the labelled pairs with and without
its sector, every name of the data plain, traditional, full-width, upper case, in pinyin and initials, with
affixes, qualifiers, brackets, certificates, levels and years, and the similarity of every pair. Each text is
read in a fresh vocabulary in order and again in another fresh one shuffled (memo tables must not make a
reading depend on what was read before); both must give the same lines, and the lines must equal the file.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from pathlib import Path

from anju_taxonomy import Context, Vocabulary, load
from anju_taxonomy.loader import DATA_DIR
from anju_taxonomy.text import initials, pinyin
from zhconv import convert

from bench.taxonomy.labelled import EXTRA_PAIRS_FILE, PAIRS_FILE, context_of, load_pairs
from bench.taxonomy.run import entries

_AROUND = (
    ("", ""),
    ("熟练", ""),
    ("持证", "3年"),
    ("做过", "工作"),
    ("医院", ""),
    ("", "师傅"),
    ("", "（中级）"),
    ("", "(3级)"),
    ("会开", "两年半"),
    ("", "证"),
    ("电子厂", "6个月"),
    ("", "、普工12年"),
    ("有", "经验5年"),
    ("", "和叉车"),
    ("高级", "，有证"),
)
_EDGES = (
    "",
    " ",
    "、",
    "3年",
    "普工12年",
    "普工12.5年",
    "普工 12年",
    "普工1年12年",
    "工龄3年普工",
    "普工3个月",
    "普工三年",
    "普工十二年",
    "普工两年半",
    "welder 4 years",
    "welders, 3 yrs",
    "forklift licence",
    "N1证",
    "A2驾照",
    "焊工证、叉车证",
    "电工证",
    "缝纫（熟练）",
    "缝纫【3级】",
    "电焊，3年",
    "车工",
    "车工，服装厂",
    "挖掘机操作手",
    "搬家公司司机",
    "养鸡场饲养员",
    "电子产品检验员",
    "健身教练",
    "挖掘机维修",
    "逢纫工",
    "dhg",
    "hangong",
    "feng ren gong",
    "ＷＥＬＤＥＲ",
    "電焊工",
    "12年",
    "年",
    "1年",
    "0年",
    "x年",
    "普工12年半",
    "普工12年以上",
    "普工[12年",
)


def texts(seeds: int) -> list[tuple[str, Context | None]]:
    """Every (text, context) of the set, in a fixed order."""
    vocab_data = load(DATA_DIR)
    out: list[tuple[str, Context | None]] = []
    for seed in range(1, seeds + 1):
        out.extend((x, None) for x in entries(20_000 if seed == 1 else 6_000, seed))
    for path in (PAIRS_FILE, EXTRA_PAIRS_FILE):
        for p in load_pairs(path):
            for side in (p.worker, p.job):
                out.append((side, None))
                out.append((side, context_of(p)))
    names = sorted({n for t in vocab_data.trades.values() for n in (t.zh, t.en, *t.aliases)})
    for k, name in enumerate(names):
        out.append((name, None))
        out.append((convert(name, "zh-hant"), None))
        out.append((name.upper(), None))
        out.append(("".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name), None))
        out.append((pinyin(name), None))
        out.append((initials(name), None))
        lead, trail = _AROUND[k % len(_AROUND)]
        out.append((lead + name + trail, None))
        lead, trail = _AROUND[(k * 7 + 3) % len(_AROUND)]
        out.append((lead + name + trail, None))
    for c in vocab_data.certificates.values():
        for name in (c.zh, c.en, *c.aliases):
            out.append((name, None))
            out.append(("持" + name + "，3年", None))
    out.extend((x, None) for x in _EDGES)
    out.extend((x, Context(sector="服装")) for x in _EDGES)
    out.append(("车工", Context(employer_name="县机械厂")))
    out.append(("车工", Context(skills=("平车", "锁边"))))
    return out


def lines(items: list[tuple[str, Context | None]], order: list[int]) -> list[str]:
    """Every item's reading (repr), read in a fresh vocabulary in the given order, listed in item order."""
    vocab = Vocabulary(load(DATA_DIR))
    out = [""] * len(items)
    for i in order:
        text, ctx = items[i]
        out[i] = f"{text!r}\t{ctx!r}\t{vocab.read(text, ctx)!r}"
    for path in (PAIRS_FILE, EXTRA_PAIRS_FILE):
        for p in load_pairs(path):
            ctx = context_of(p)
            out.append(f"{p.worker!r}\t{p.job!r}\t{vocab.similarity(p.worker, p.job, ctx)!r}")
    return out


def main() -> None:
    """Write or check the readings."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--save", type=Path)
    ap.add_argument("--check", type=Path)
    args = ap.parse_args()
    items = texts(args.seeds)
    in_order = lines(items, list(range(len(items))))
    shuffled = list(range(len(items)))
    random.Random(7).shuffle(shuffled)
    if lines(items, shuffled) != in_order:
        sys.exit("readings depend on the order they were read in")
    body = "\n".join(in_order) + "\n"
    digest = hashlib.sha256(body.encode()).hexdigest()
    print(f"{len(in_order)} lines, sha256 {digest}")
    if args.save:
        args.save.write_text(body, encoding="utf-8")
    if args.check:
        want = args.check.read_text(encoding="utf-8").splitlines()
        diff = [(a, b) for a, b in zip(want, in_order, strict=False) if a != b]
        if len(want) != len(in_order) or diff:
            for a, b in diff[:20]:
                print(f"- {a}\n+ {b}")
            sys.exit(f"{len(diff)} readings differ ({len(want)} lines expected, {len(in_order)} read)")
        print("identical")


if __name__ == "__main__":
    main()
