"""python -m bench.workers.limits: how fast zip bombs are refused and how much memory reading an allowed file
takes (the part of an import that untrusted uploads attack). Each case runs in a fresh child process."""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from bench.workers.generate import generate

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "data"
ROW = b'<row><c t="inlineStr"><is><t>' + b"A" * 60 + b"</t></is></c></row>"


def _sheet_zip(path: Path, rows: int, *, level: int = 1) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(b"<worksheet><sheetData>")
            for _ in range(rows // 10_000):
                part.write(ROW * 10_000)
            part.write(b"</sheetData></worksheet>")


def _lying(path: Path) -> None:
    """A part that declares 1 kB in the zip directory and unpacks to 60 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet><sheetData>" + ROW * 700_000)
    data = bytearray(out.getvalue())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 1024)
    path.write_bytes(bytes(data))


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(path: str) -> None:
    """Read one file as the import does; print status, seconds and the RSS it added."""
    from anju_common.problems import Problem
    from workers.upload import XlsxLimits, read_table

    before = _status_kb("VmRSS")  # current, not the import-time peak
    started = time.perf_counter()
    rows, status = 0, 200
    try:
        with open(path, "rb") as fh:
            for _ in read_table(path, fh, XlsxLimits(max_rows=50_000)):
                rows += 1
    except Problem as exc:
        status = exc.status
    seconds = time.perf_counter() - started
    extra = (_status_kb("VmHWM") - before) / 1024
    print(
        json.dumps(
            {"status": status, "rows": rows, "seconds": round(seconds, 3), "extra_rss_mb": round(extra)}
        )
    )


def main() -> int:
    """Build the cases under bench/data, measure each in a child process, print a table."""
    DATA.mkdir(parents=True, exist_ok=True)
    cases = {
        "50,000-row office file (12 columns)": DATA / "workers-50000.xlsx",
        "bomb: 180 MB sheet, 2 MB packed": DATA / "bomb-declared.xlsx",
        "bomb: ratio 250x, 8 MB sheet": DATA / "bomb-ratio.xlsx",
        "bomb: declares 1 kB, unpacks to 60 MB": DATA / "bomb-lying.xlsx",
    }
    paths = list(cases.values())
    if not paths[0].exists():
        generate(paths[0], 50_000)
    _sheet_zip(paths[1], 2_000_000)
    _sheet_zip(paths[2], 100_000, level=9)
    _lying(paths[3])
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| case | upload KiB | status | seconds | extra RSS MB |\n|---|---|---|---|---|")
    for label, path in cases.items():
        out = subprocess.run(
            [sys.executable, "-m", "bench.workers.limits", "--child", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        size = path.stat().st_size // 1024
        print(f"| {label} | {size} | {result['status']} | {result['seconds']} | {result['extra_rss_mb']} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
