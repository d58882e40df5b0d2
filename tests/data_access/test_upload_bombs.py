"""Upload bombs (docs/SECURITY.md, finding 5): hostile XLSX files are refused with one upkeep problem,
quickly and in little memory, never with a traceback, by the reader and by the command line.

Every hostile file is built here, in a temporary folder (no big binary in the repository):

* ``zip_bomb``      a 1.6 MB workbook whose sheet XML inflates to 1.6 GB (one cell of "A"s);
* ``lying_bomb``    the same, its zip directory declaring the sheet 64 KB: zipfile stops inflating
                    at the declared size and the CRC fails, so the lie buys nothing;
* ``rows_200k``     200,000 rows with an honest ``<dimension>`` (xlsxwriter, constant memory);
* ``rows_200k_lie`` the same rows, the dimension claiming one data row: rows are counted as they are
                    read, and only the message's count comes from a dimension that agrees;
* ``many_parts``    the template plus 5,000 tiny zip entries;
* ``renamed``       a CSV saved as .xlsx.

Each test prints the wall time and the extra memory of reading the file in a fresh process (its
peak RSS over the RSS after its imports) and the peak of Python allocations while reading in this
one (tracemalloc). Run with ``-s`` to see them. Performance is measured, never asserted.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from components.upkeep.partners import PARTNER_FIELDS, partners_template, pheader
from components.upkeep.text import problem_text
from data_access import upkeep, upkeep_partners
from data_access.config import PROJECT_ROOT

HENAN = "410000"
REF = upkeep.Reference({HENAN: ("河南省", "Henan")}, cities={"410100": (HENAN, "郑州市", "Zhengzhou")})
EVERYONE = upkeep.Uploader("cli:test", "operator", (HENAN,), True)
SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
BOMB_MIB = 1536  # the sheet XML of the zip bomb, unpacked: 1.6 GB


def template() -> bytes:
    return partners_template(REF.cities, REF.provinces, allowed=(HENAN,), today=REF.today, lang="zh")


def with_part(base: bytes, name: str, write: Callable[[io.BufferedIOBase], None], *, extra: int = 0) -> bytes:
    """``base`` with part ``name`` replaced by what ``write`` streams into it (deflated at level 9,
    chunk by chunk, so a 1.6 GB part never sits in memory), plus ``extra`` tiny parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open(name, "w") as part:
            write(part)
        for n in range(extra):
            dst.writestr(f"xl/media/pad{n}.bin", b"x")
    return out.getvalue()


def header_xml() -> bytes:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{pheader(f, "zh")}</t></is></c>' for i, f in enumerate(PARTNER_FIELDS))
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData><row r="1">{cells}</row>'.encode()


def zip_bomb() -> bytes:
    def write(part):
        part.write(header_xml() + b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
        chunk = b"A" * (1 << 20)
        for _ in range(BOMB_MIB):
            part.write(chunk)
        part.write(b"</t></is></c></row></sheetData></worksheet>")

    return with_part(template(), SHEET, write)


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """``data`` with the uncompressed size of ``name`` in the zip's central directory set to ``size``."""
    buf = bytearray(data)
    at = buf.find(b"PK\x01\x02")
    while at != -1:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", buf, at + 28)
        if bytes(buf[at + 46 : at + 46 + name_len]) == name.encode():
            struct.pack_into("<I", buf, at + 24, size)
            return bytes(buf)
        at = buf.find(b"PK\x01\x02", at + 46 + name_len + extra_len + comment_len)
    raise AssertionError(f"{name} not in the zip")


def rows_200k(*, lie: bool = False) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = book.add_worksheet("合作方")
    for c, f in enumerate(PARTNER_FIELDS):
        ws.write_string(0, c, pheader(f, "zh"))
    for r in range(1, 200_001):
        ws.write_string(r, 0, f"合作方{r}")
        ws.write_string(r, 3, "郑州市 (410100)")
        ws.write_number(r, 8, r)
    book.close()
    data = out.getvalue()
    if not lie:
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read(SHEET)
    assert b'<dimension ref="A1:L200001"/>' in xml
    xml = xml.replace(b'<dimension ref="A1:L200001"/>', b'<dimension ref="A1:L2"/>', 1)
    return with_part(data, SHEET, lambda part: part.write(xml))


BUILDERS: dict[str, Callable[[], bytes]] = {
    "zip_bomb": zip_bomb,
    "lying_bomb": lambda: declare_size(zip_bomb(), SHEET, 64 * 1024),
    "rows_200k": rows_200k,
    "rows_200k_lie": lambda: rows_200k(lie=True),
    "many_parts": lambda: with_part(template(), "xl/media/image0.bin", lambda part: None, extra=5_000),
    "renamed": lambda: "name_zh,kind,city\n测试学院,enterprise,郑州市 (410100)\n".encode("utf-8"),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The hostile files by name, each built on first use and kept for the module."""
    folder = tmp_path_factory.mktemp("bombs")

    class Lazy(dict):
        def __missing__(self, name: str) -> Path:
            start = time.perf_counter()
            path = folder / f"{name}.xlsx"
            path.write_bytes(BUILDERS[name]())
            print(f"\n[bomb] built {name}: {path.stat().st_size / 1e6:.2f} MB in {time.perf_counter() - start:.1f} s")
            self[name] = path
            return path

    return Lazy()


def read_here(path: Path) -> tuple[list[upkeep.Problem], float]:
    """The problems of reading ``path`` as a partners file, and the tracemalloc peak in MB."""
    data = path.read_bytes()
    upkeep_partners.read_partners(b"", ref=REF, uploader=EVERYONE)  # openpyxl imported before measuring
    tracemalloc.start()
    try:
        _, rows, problems = upkeep_partners.read_partners(data, ref=REF, uploader=EVERYONE)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert rows == []
    return problems, peak


# Peak memory of a child process from a point on: Linux resets the peak (VmHWM) to the current RSS when
# "5" is written to /proc/self/clear_refs, so the imports' own peak does not hide what comes after.
PEAK = r"""
import re, resource
def _kb(key):
    try:
        return int(re.search(key + r":\s+(\d+)", open("/proc/self/status").read()).group(1))
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def peak_from_here():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return _kb("VmHWM")
    return _kb("VmRSS")
def peak_extra_mb(base):
    return (_kb("VmHWM") - base) / 1024
"""

CHILD = (
    PEAK
    + """
import json, sys, time
from data_access import upkeep, upkeep_partners
ref = upkeep.Reference({"410000": ("河南省", "Henan")}, cities={"410100": ("410000", "郑州市", "Zhengzhou")})
who = upkeep.Uploader("cli:test", "operator", ("410000",), True)
data = open(sys.argv[1], "rb").read()
upkeep_partners.read_partners(b"", ref=ref, uploader=who)  # openpyxl imported before the baseline
base = peak_from_here()
start = time.perf_counter()
_, _, problems = upkeep_partners.read_partners(data, ref=ref, uploader=who)
print(json.dumps({"codes": [p.code for p in problems], "seconds": time.perf_counter() - start,
                  "extra_mb": peak_extra_mb(base)}))
"""
)


def read_apart(path: Path) -> dict:
    """Read ``path`` in a fresh process: its problem codes, wall seconds and extra peak RSS (MB)."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def refused(files: dict[str, Path], name: str, code: str) -> upkeep.Problem:
    """Read the file here and in a fresh process; both refuse it with ``code``; print the numbers."""
    problems, peak = read_here(files[name])
    apart = read_apart(files[name])
    print(
        f"\n[bomb] {name}: {files[name].stat().st_size / 1e6:.2f} MB refused ({code}) in {apart['seconds']:.2f} s, "
        f"+{apart['extra_mb']:.1f} MB peak RSS (fresh process), tracemalloc peak {peak:.1f} MB"
    )
    assert [p.code for p in problems] == [code] and apart["codes"] == [code]
    return problems[0]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(files):
    p = refused(files, "zip_bomb", "zip_ratio")
    assert "1,0" in p.arg("ratio")  # 1.6 GB from 1.6 MB: about a thousand to one
    assert "压缩炸弹" in problem_text(p, "zh", "partners") and "zip bomb" in problem_text(p, "en", "partners")


def test_a_bomb_that_declares_a_small_size_is_cut_at_that_size(files):
    with zipfile.ZipFile(files["lying_bomb"]) as z:
        assert z.getinfo(SHEET).file_size == 64 * 1024  # the directory lies: the part inflates to 1.6 GB
    refused(files, "lying_bomb", "not_xlsx")


@pytest.mark.parametrize("name, rows", [("rows_200k", "200000"), ("rows_200k_lie", "20000+")])
def test_two_hundred_thousand_rows_stop_at_the_row_limit(files, name, rows):
    p = refused(files, name, "too_many_rows")
    assert p.sheet == "合作方" and p.arg("rows") == rows and p.arg("max") == str(upkeep.MAX_ROWS)
    assert problem_text(p, "zh", "partners").startswith("合作方")


def test_thousands_of_zip_entries_are_refused(files):
    p = refused(files, "many_parts", "too_many_parts")
    with zipfile.ZipFile(files["many_parts"]) as z:
        assert p.arg("parts") == f"{len(z.infolist()):,}" and p.arg("max") == str(upkeep.MAX_PARTS)


def test_a_renamed_csv_is_refused(files):
    refused(files, "renamed", "not_xlsx")


# ---- through the command line ------------------------------------------------------------------------

CLI = (
    PEAK
    + """
import json, sys, time
from components.commands import main
import openpyxl, components.upkeep.partners, data_access.upkeep_partners  # imported before the baseline
base = peak_from_here()
start = time.perf_counter()
rc = main(sys.argv[1:])
print(json.dumps({"seconds": time.perf_counter() - start, "extra_mb": peak_extra_mb(base)}))
sys.exit(rc)
"""
)


@pytest.mark.parametrize("name", ["zip_bomb", "rows_200k_lie", "many_parts", "renamed"])
def test_the_command_line_refuses_a_bomb_with_exit_2_and_one_line(files, seeded, name):
    url = seeded["sqlite"].url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-c", CLI, "import", "partners", str(files[name]), "--dry-run", "--database-url", url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    numbers = json.loads(done.stdout.strip().splitlines()[-1])
    lines = done.stderr.strip().splitlines()
    print(
        f"\n[cli] import partners {name}.xlsx --dry-run: exit {done.returncode} in {numbers['seconds']:.2f} s, "
        f"+{numbers['extra_mb']:.1f} MB peak RSS; stderr:\n  " + "\n  ".join(lines)
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(lines) == 2  # the problem, then the count of problems
    assert lines[0] == problem_text(read_here(files[name])[0][0], "zh", "partners")


# ---- the zip's directory and the stream, one rule each ---------------------------------------------


def codes(data: bytes) -> list[str]:
    return [p.code for p in upkeep_partners.read_partners(data, ref=REF, uploader=EVERYONE)[2]]


def half_random(mb: float) -> Callable[[io.BufferedIOBase], None]:
    """A part of ``mb`` MB that packs about 60:1: a random 16 KB block, repeated (under the ratio limit)."""
    import random

    block = random.Random(5).randbytes(16 * 1024)

    def write(part):
        for _ in range(int(mb * 64)):
            part.write(block)

    return write


def test_a_part_too_big_unpacked_is_refused_though_it_packs_ordinarily(monkeypatch):
    monkeypatch.setattr(upkeep, "MAX_PART_MB", 1)
    data = with_part(template(), "xl/media/image0.bin", half_random(2))
    assert codes(data) == ["unzipped_too_big"]


def test_all_parts_together_too_big_unpacked_are_refused(monkeypatch):
    monkeypatch.setattr(upkeep, "MAX_UNZIPPED_MB", 1)
    # under the limit, the file gets past the zip's checks (and, being the bare template, has no rows)
    assert codes(with_part(template(), "xl/media/image0.bin", half_random(0.5))) == ["empty_sheet"]
    data = with_part(template(), "xl/media/image0.bin", half_random(1))
    assert [(p.code, p.arg("max")) for p in upkeep_partners.read_partners(data, ref=REF, uploader=EVERYONE)[2]] == [
        ("unzipped_too_big", "1")
    ]


def test_a_worksheet_may_be_bigger_than_other_parts(monkeypatch):
    """Sheets are streamed, so they have their own, higher limit (MAX_SHEET_MB)."""
    from tests.components.test_upkeep_partner_files import book, good

    data = book([good(name_zh=f"测试学院{i}") for i in range(2_000)])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.getinfo(SHEET).file_size > 1024 * 1024
    monkeypatch.setattr(upkeep, "MAX_PART_MB", 1)
    _, rows, problems = upkeep_partners.read_partners(data, ref=REF, uploader=EVERYONE)
    assert problems == [] and len(rows) == 2_000


def test_a_compression_excel_never_writes_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # bzip2 inflates without a bound on one read: never opened
            dst.writestr(
                info.filename, src.read(info.filename), compress_type=zipfile.ZIP_BZIP2 if info.filename == SHEET else zipfile.ZIP_DEFLATED
            )
    assert codes(out.getvalue()) == ["not_xlsx"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: b"PK\x03\x04" + b"\x00" * 100,  # a broken zip
        lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,  # a picture renamed
        lambda: b"%PDF-1.7\n",
    ],
)
def test_files_that_are_no_zip_are_refused(make):
    assert codes(make()) == ["not_xlsx"]


def test_a_zip_that_is_no_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hello")
    assert codes(out.getvalue()) == ["not_xlsx"]


def rewrite_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read(SHEET)
    assert old in xml
    return with_part(data, SHEET, lambda part: part.write(xml.replace(old, new)))


@pytest.mark.parametrize("claimed", [b"A1:L2", b"A1:L100000"])
def test_a_sheet_is_read_as_it_is_whatever_its_dimension_claims(claimed):
    from tests.components.test_upkeep_partner_files import EVERYONE as BOTH
    from tests.components.test_upkeep_partner_files import REF as REF2
    from tests.components.test_upkeep_partner_files import book, good

    data = rewrite_sheet(
        book([good(), good(agreement="channel"), good(agreement="joint_school")]),
        b'<dimension ref="A1:L4"/>',
        b'<dimension ref="' + claimed + b'"/>',
    )
    _, rows, problems = upkeep_partners.read_partners(data, ref=REF2, uploader=BOTH)
    assert problems == [] and [r.row for r in rows] == [2, 3, 4]


def test_merged_cells_are_found_under_any_namespace_prefix():
    import openpyxl

    from tests.components.test_upkeep_partner_files import book, good

    wb = openpyxl.load_workbook(io.BytesIO(book([good(), good(agreement="channel")])))
    wb.worksheets[0].merge_cells("A2:A3")
    out = io.BytesIO()
    wb.save(out)
    plain = out.getvalue()
    prefixed = rewrite_sheet(
        plain,
        b'<mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells>',
        f'<x:mergeCells xmlns:x="{NS}" count="1"><x:mergeCell ref="A2:A3"/></x:mergeCells>'.encode(),
    )
    for data in (plain, prefixed):
        problems = upkeep_partners.read_partners(data, ref=REF, uploader=EVERYONE)[2]
        assert [(p.code, p.arg("cells")) for p in problems] == [("merged", "A2:A3")]


def test_reading_stops_at_the_time_limit(monkeypatch):
    from tests.components.test_upkeep_partner_files import book, good

    monkeypatch.setattr(upkeep, "MAX_SECONDS", 0.0)
    problems = upkeep_partners.read_partners(book([good()]), ref=REF, uploader=EVERYONE)[2]
    assert [(p.code, p.sheet) for p in problems] == [("too_slow", "合作方与协议")]
    assert "0 秒" in problem_text(problems[0], "zh", "partners")


@pytest.mark.parametrize("code", ["too_many_parts", "unzipped_too_big", "zip_ratio", "too_slow", "too_many_rows"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_refusal_is_worded_in_both_languages(code, lang):
    from components import i18n

    p = upkeep.Problem(
        code,
        sheet="合作方",
        args=(("parts", "5,015"), ("mb", "1,536"), ("ratio", "1,024"), ("seconds", "20"), ("rows", "20000+"), ("max", "200")),
    )
    text = problem_text(p, lang, "partners")
    assert f"upkeep.problem.{code}" in i18n.catalogue(lang) and "{" not in text and text.startswith("合作方")
