"""Reading an uploaded .xlsx or .csv safely: the archive checked before any parsing, then rows streamed."""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from anju_common.problems import Problem
from charset_normalizer import from_bytes
from python_calamine import CalamineError, CalamineWorkbook

_MiB = 1024 * 1024
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?([A-Z]*)(\d*)\"")
_LOCAL_HEADER = struct.Struct("<4s22xHH")
# Excel leaves formatted but empty rows behind; they are skipped later, so the pre-check allows some.
BLANK_ROW_ALLOWANCE = 1000


@dataclass(frozen=True)
class XlsxLimits:
    """What an upload may unpack to: checked on the zip directory and a streamed pass, before any parsing."""

    max_rows: int
    max_unpacked_bytes: int = 128 * _MiB
    max_ratio: float = 100.0
    max_cells: int = 2_000_000
    max_entries: int = 1000

    @property
    def max_row_elements(self) -> int:
        """Row elements a sheet may hold: the data rows, the header and some blank ones."""
        return self.max_rows + 1 + BLANK_ROW_ALLOWANCE


def _too_large(detail: str, code: str, **extra: Any) -> Problem:
    return Problem(413, detail, code=code, **extra)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _entry_chunks(raw: IO[bytes], info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """The entry's bytes, decompressed from exactly its compressed data; more than limit is refused."""
    raw.seek(info.header_offset)
    signature, name_len, extra_len = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        raise Problem(
            422, "文件不是可读取的 .xlsx 工作簿 (the file is not a readable .xlsx workbook)", code="bad-file"
        )
    raw.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_STORED:
        inflate = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflate = zlib.decompressobj(-15)
    else:
        raise Problem(
            422, "工作簿使用了不支持的压缩方式 (unsupported compression in the workbook)", code="bad-file"
        )
    left, produced = info.compress_size, 0
    while left > 0 or (inflate is not None and inflate.unconsumed_tail):
        data = b""
        if inflate is not None and inflate.unconsumed_tail:
            data = inflate.unconsumed_tail
        elif left > 0:
            data = raw.read(min(left, 256 * 1024))
            if not data:
                break
            left -= len(data)
        chunk = inflate.decompress(data, 1024 * 1024) if inflate is not None else data
        produced += len(chunk)
        if produced > limit or produced > info.file_size:
            # Declared sizes are what was checked; an entry that unpacks to more is lying.
            raise _too_large(
                f"工作簿解压后过大: {info.filename} 超过声明或允许的大小 "
                f"(the workbook unpacks to more than declared or allowed: {info.filename})",
                "xlsx-too-large",
            )
        if chunk:
            yield chunk


def check_xlsx(stream: IO[bytes], limits: XlsxLimits) -> None:
    """Refuse zip bombs and oversized sheets by their zip directory and one streamed pass (no parsing)."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Problem(
            422, "文件不是可读取的 .xlsx 工作簿 (the file is not a readable .xlsx workbook)", code="bad-file"
        ) from exc
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise Problem(422, f"工作簿包含过多文件 (the workbook holds {len(entries)} parts)", code="bad-file")
    total = sum(i.file_size for i in entries)
    if total > limits.max_unpacked_bytes:
        raise _too_large(
            f"工作簿解压后过大: {total} 字节, 上限 {limits.max_unpacked_bytes} 字节 "
            f"(the workbook unpacks to {total} bytes; at most {limits.max_unpacked_bytes})",
            "xlsx-too-large",
            max_unpacked_bytes=limits.max_unpacked_bytes,
        )
    for info in entries:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _MiB and ratio > limits.max_ratio:
            raise _too_large(
                f"工作簿压缩比异常 ({ratio:.0f} 倍), 疑似压缩炸弹 "
                f"(part {info.filename} expands {ratio:.0f} times; at most {limits.max_ratio:.0f})",
                "xlsx-compression-ratio",
            )
    for info in entries:
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            _check_sheet(stream, info, limits)
    stream.seek(0)


def _check_sheet(stream: IO[bytes], info: zipfile.ZipInfo, limits: XlsxLimits) -> None:
    rows = cells = 0
    head = b""
    tail = b""
    for chunk in _entry_chunks(stream, info, limits.max_unpacked_bytes):
        if len(head) < 4096:
            head += chunk[: 4096 - len(head)]
            if len(head) >= 4096 or len(chunk) < 4096:
                _check_dimension(head, limits)
        window = tail + chunk
        # A tag cut by the chunk boundary ends in this window; one wholly inside the old tail was counted.
        rows += _tags_ending_after(_ROW_TAG, window, len(tail))
        cells += _tags_ending_after(_CELL_TAG, window, len(tail))
        tail = window[-16:]
        if rows > limits.max_row_elements:
            raise _too_large(
                f"每个文件最多 {limits.max_rows} 行 (at most {limits.max_rows} rows per file)",
                "too-many-rows",
                max_rows=limits.max_rows,
            )
        if cells > limits.max_cells:
            raise _too_large(
                f"工作表单元格过多, 上限 {limits.max_cells} (at most {limits.max_cells} cells per sheet)",
                "too-many-cells",
                max_cells=limits.max_cells,
            )


def _tags_ending_after(tag: re.Pattern[bytes], window: bytes, start: int) -> int:
    """How many matches in window end after start: all of them (counted in C) but the first few, which
    end inside the old tail (matches do not overlap, so those come first)."""
    counted = 0
    for match in tag.finditer(window):
        if match.end() > start:
            break
        counted += 1
    return len(tag.findall(window)) - counted


def _check_dimension(head: bytes, limits: XlsxLimits) -> None:
    match = _DIMENSION.search(head)
    if match is None or not match.group(2):
        return
    last_row = int(match.group(2))
    columns = _column_number(match.group(1)) if match.group(1) else 1
    if last_row > limits.max_row_elements:
        raise _too_large(
            f"每个文件最多 {limits.max_rows} 行 (at most {limits.max_rows} rows per file; the sheet says "
            f"{last_row})",
            "too-many-rows",
            max_rows=limits.max_rows,
        )
    if last_row * columns > limits.max_cells:
        raise _too_large(
            f"工作表单元格过多, 上限 {limits.max_cells} (at most {limits.max_cells} cells per sheet)",
            "too-many-cells",
            max_cells=limits.max_cells,
        )


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, else the detected encoding (GBK/GB18030 from Excel)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000], cp_isolation=["gb18030", "gbk", "big5", "utf_16"]).best()
    encoding = best.encoding if best is not None else "gb18030"
    if codecs.lookup(encoding).name in ("gbk", "gb2312"):
        encoding = "gb18030"  # a superset: rare characters in names still decode
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise Problem(422, "the CSV file is neither UTF-8 nor GBK text", code="bad-encoding") from exc


def read_table(filename: str, stream: IO[bytes], limits: XlsxLimits | None = None) -> Iterator[list[Any]]:
    """Rows of the first sheet of an .xlsx or of a .csv, header first; limits are checked before reading."""
    name = filename.lower()
    if name.endswith(".csv"):
        text = decode_csv(stream.read())
        if limits is not None:
            filled = sum(1 for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r))
            if filled > limits.max_rows + 1:
                raise _too_large(
                    f"每个文件最多 {limits.max_rows} 行 (at most {limits.max_rows} rows per file)",
                    "too-many-rows",
                    max_rows=limits.max_rows,
                )
        yield from csv.reader(io.StringIO(text, newline=""))
        return
    if not name.endswith(".xlsx"):
        raise Problem(415, "请上传 .xlsx 或 .csv 文件 (upload a .xlsx or .csv file)", code="unsupported-file")
    check_xlsx(stream, limits or XlsxLimits(max_rows=50_000))
    # calamine (Rust) reads a 100,000-row sheet in well under a second; openpyxl takes the better part
    # of a minute, which is the whole import budget.
    try:
        sheet = CalamineWorkbook.from_filelike(stream).get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except CalamineError as exc:
        raise Problem(
            422, "文件不是可读取的 .xlsx 工作簿 (the file is not a readable .xlsx workbook)", code="bad-file"
        ) from exc
    for values in rows:
        yield list(values)
