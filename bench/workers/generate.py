"""Generate an office spreadsheet of N workers (Chinese headers, two or three per household)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from stdnum.cn import ric

HEADER = [
    "户编号",
    "姓名",
    "性别",
    "身份证号",
    "出生年份",
    "手机号",
    "就业类型",
    "技能",
    "需照料家人",
    "监测类型",
    "同意接收短信",
    "不可务工月份",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "桂兰", "建国", "志强", "丽", "勇", "艳", "军", "芳", "明"]
LIVELIHOOD = ["外出务工", "就近就业", "亦工亦农", "返乡务农"]
SKILLS = ["缝纫工:3:持证;普工", "电焊:2", "普工", "保洁", "瓦工:4;木工:2", "包装工", "厨师:3:持证", ""]


def id_number(i: int) -> str:
    """A unique, checksum-valid resident ID for row i."""
    year = 1970 + i % 36
    idx = (i // 36) % 336
    body = f"522633{year}{idx // 28 + 1:02d}{idx % 28 + 1:02d}{i // (36 * 336) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def generate(path: Path, rows: int) -> Path:
    """Write the workbook (write-only mode, constant memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("workers")
    ws.append(HEADER)
    for i in range(rows):
        with_id = i % 3 != 0
        ident = id_number(i) if with_id else None
        ws.append(
            [
                f"B{i // 3:06d}" if i % 2 else f"B{i // 2:06d}",
                SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)],
                "女" if i % 2 else "男",
                ident,
                int(ident[6:10]) if ident else 1970 + i % 36,
                f"139{i:08d}",
                LIVELIHOOD[i % 4],
                SKILLS[i % len(SKILLS)],
                "是" if i % 6 == 0 else "否",
                "边缘易致贫户" if i % 11 == 0 else "无",
                "是",
                "4,5,9" if i % 4 == 2 else None,
            ]
        )
    wb.save(path)
    return path
