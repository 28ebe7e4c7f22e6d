"""Loaders fed broken, hostile and huge files: each gives a clean article or a clear error.

Hostile files are loaded and prepared in a child process under a memory limit
(RLIMIT_AS) and a timeout, so a hang or a memory blow-up fails the test, not the machine.
Mutated files (cut, flipped, spliced bytes) are fuzzed in-process with hypothesis.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import resource
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limits import time_limit

from corpus.errors import IngestError
from corpus.formats import read_file
from corpus.models import Draft
from corpus.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
MEMORY_LIMIT = 2 << 30  # address space: the child fails rather than the machine
MEMORY_BOUND = 1 << 30  # resident memory any of these loads may use
BAD_CHARACTER = r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200d\u202a-\u202e\u2066-\u2069\ufeff]"

# The child loads each path, prepares each draft and prints one JSON line per path.
CHILD = r"""
import json, re, resource, sys, time, traceback
from pathlib import Path
from corpus.errors import QabotError
from corpus.prepare import prepare
from corpus.sources import load_file

BAD = re.compile(sys.argv[1])

def error(exc):
    return {"error": type(exc).__name__, "qabot": isinstance(exc, QabotError), "message": str(exc)}

def outcome(loaded):
    if loaded.error is not None:
        return error(loaded.error)
    try:
        article = prepare(loaded.draft)
    except QabotError as exc:
        return error(exc)
    return {
        "title": article.title,
        "dirty": bool(BAD.search(article.title) or BAD.search(article.text.replace("\n", " "))),
        "sentence_words": max(len(s.text.split()) for s in article.sentences),
        "passage_chars": max(len(p.text) for p in article.passages),
    }

for path in sys.argv[2:]:
    start = time.perf_counter()
    try:
        results = [outcome(loaded) for loaded in load_file(Path(path))]
    except BaseException:
        results = [{"crash": traceback.format_exc(limit=6)}]
    seconds = time.perf_counter() - start
    print(json.dumps({"path": path, "seconds": seconds, "results": results}), flush=True)
print(json.dumps({"peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def load_in_child(paths: list[Path], timeout: int) -> tuple[dict[str, Any], int]:
    """Load and prepare files in a memory-limited child: outcomes by file name, peak RSS.

    The timeout is the time bound: a load that is not linear in its input runs past it.
    """
    done = subprocess.run(
        [sys.executable, "-c", CHILD, BAD_CHARACTER, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limit_memory,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    *lines, last = [json.loads(line) for line in done.stdout.splitlines()]
    return {Path(line["path"]).name: line for line in lines}, last["peak_rss"]


def assert_clean_or_clear(name: str, result: dict[str, Any]) -> None:
    """An article free of control and invisible characters, within bounds; or a clear error."""
    assert "crash" not in result, f"{name} crashed:\n{result['crash']}"
    if "error" in result:
        message = result["message"]
        assert result["qabot"], f"{name}: {result['error']} is not a QabotError"
        assert 0 < len(message) <= 400 and message.isprintable(), f"{name}: {message!r}"
    else:
        assert not result["dirty"], f"{name}: control or invisible characters left"
        assert 0 < len(result["title"]) <= 200
        assert result["sentence_words"] <= 80
        assert result["passage_chars"] <= 2000


def check_files(tmp_path: Path, files: dict[str, bytes], timeout: int = 120) -> dict[str, Any]:
    """Write the files, load them in a child and check every outcome; return the outcomes."""
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    outcomes, peak = load_in_child([tmp_path / name for name in files], timeout)
    assert sorted(outcomes) == sorted(files)
    for name, line in outcomes.items():
        for result in line["results"]:
            assert_clean_or_clear(name, result)
    assert peak < MEMORY_BOUND
    return outcomes


# --- seeds: small valid files of each format, written for these tests ----------------------


def seed_pdf(title: str = "River report") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setTitle(title)
    for i in range(12):
        page.drawString(72, 720 - 20 * i, f"Line {i}: the river rose and the town built a wall.")
    page.save()
    return buffer.getvalue()


SEED_HTML = (FIXTURES / "article.html").read_bytes()
SEED_MD = (
    b"---\ntitle: Wells Run Dry\ndate: 2024-05-01\n---\n# Wells Run Dry\n\n"
    b"The **farmers** dug deeper [wells](https://e.org/w) this year.\n\n"
    b"Prices\n- water 2.50\n- bread 1.20\n"
)
SEED_TXT = b"River festival opens Friday\nThe festival opens at noon. It ends on Sunday.\n"
SEED_JSONL = b"\n".join(
    json.dumps({"id": i, "title": f"Note {i}", "text": f"The river rose {i} cm."}).encode()
    for i in range(3)
)


def pdf_with_streams(streams: list[bytes]) -> bytes:
    """A minimal PDF with one page per compressed content stream, in Helvetica."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for stream in streams:
        number = len(objects) + 1
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (number + 1)
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream"
        )
        kids.append(b"%d 0 R" % number)
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- hostile files, each loaded in a memory-limited child ----------------------------------


def test_truncated_pdf_and_html_give_an_article_or_a_clear_error(tmp_path: Path) -> None:
    pdf = seed_pdf()
    files = {f"cut{i}.pdf": pdf[: len(pdf) * i // 10] for i in range(1, 10)}
    files |= {f"cut{i}.html": SEED_HTML[: len(SEED_HTML) * i // 10] for i in range(1, 10)}
    files["nul.pdf"] = pdf.replace(b"stream\n", b"stream\n\x00\x00", 1)
    check_files(tmp_path, files)


def test_deeply_nested_html_gives_an_article_or_a_clear_error(tmp_path: Path) -> None:
    body = b"<p>The river rose in spring and the town built a wall.</p>"
    files = {
        "deep.html": b"<html><body>" + b"<div>" * 100_000 + body + b"</div>" * 100_000,
        "unclosed.html": b"<html><body>" + b"<div><span>" * 50_000 + body,
        "shallow.html": b"<html><body>" + b"<div>" * 200 + body + b"</div>" * 200,
    }
    outcomes = check_files(tmp_path, files)
    assert "title" in outcomes["shallow.html"]["results"][0]


def test_nul_bytes_and_invalid_utf8_give_an_article_or_a_clear_error(tmp_path: Path) -> None:
    files = {
        "nul.txt": b"River\x00 report\n\nThe river\x00 rose.",
        "nul.md": b"# River\n\nThe river rose.\n" + b"\x00" * 100,
        "nul.html": SEED_HTML.replace(b"quiet", b"qu\x00iet"),
        "nul.jsonl": b'{"title": "Ri\\u0000ver", "text": "The river\\u0000 rose."}\n',
        "bad.txt": b"The caf\xe9 opened. \xff\xfe",
        "bad.md": b"# Caf\xc3\n\nIt opened.",
        "bad.html": SEED_HTML.replace(b"quiet", b"qu\xff\xfeiet"),
        "bad.jsonl": b'{"title": "Caf\xe9", "text": "It opened."}\n',
        "surrogate.jsonl": b'{"title": "Caf\\ud800", "text": "It \\udfff opened."}\n',
    }
    outcomes = check_files(tmp_path, files)
    assert outcomes["bad.txt"]["results"][0]["error"] == "DecodeFailed"
    assert outcomes["nul.txt"]["results"][0]["error"] == "UnsupportedFile"
    assert "title" in outcomes["surrogate.jsonl"]["results"][0]


def test_compressed_bombs_renamed_as_text_are_refused_unopened(tmp_path: Path) -> None:
    zeros = gzip.compress(b"\x00" * 100_000_000, 9)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("zeros.txt", b"0" * 100_000_000)
    files = {f"bomb{suffix}": zeros for suffix in (".txt", ".md", ".html", ".jsonl", ".pdf")}
    files["bomb.zip.txt"] = archive.getvalue()
    outcomes = check_files(tmp_path, files, timeout=60)
    assert all("error" in outcomes[name]["results"][0] for name in files)


def test_right_to_left_and_zero_width_characters_leave_titles(tmp_path: Path) -> None:
    rtl = "\u202e\u05e0\u05d4\u05e8 \u200bRiver\u200d\u2066 report\u2069"
    files = {
        "rtl.md": f"---\ntitle: {rtl}\n---\nThe river rose.\n".encode(),
        "rtl.txt": f"{rtl}\n\nThe river rose.\n".encode(),
        "rtl.html": SEED_HTML.replace(b"Quiet Rivers", rtl.encode()),
        "rtl.jsonl": json.dumps({"title": rtl, "text": "The river rose."}).encode(),
        "rtl.pdf": seed_pdf(title=rtl),
    }
    outcomes = check_files(tmp_path, files)
    for name in files:
        (result,) = outcomes[name]["results"]
        assert "\u05e0\u05d4\u05e8 River" in result["title"], name


def test_hostile_markdown_json_and_yaml_load_in_linear_time(tmp_path: Path) -> None:
    laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    laughs += [f"{c}: &{c} [" + ", ".join([f"*{chr(ord(c) - 1)}"] * 9) + "]" for c in "bcdefghi"]
    files = {
        "emphasis.md": b"Title\n\n" + b"**a " * 500_000,
        "links.md": b"Title\n\n" + b"[a " * 500_000 + b"\n" + b"](" * 200_000,
        "heading.md": b"# a" + b"#" * 500_000 + b"b\n\nBody.\n",
        "laughs.md": ("---\n" + "\n".join([*laughs, "title: *i"]) + "\n---\nBody.\n").encode(),
        "deep.md": b"---\ntitle: " + b"[" * 5_000 + b"]" * 5_000 + b"\n---\nBody.\n",
        "deep.jsonl": b"[" * 200_000 + b"]" * 200_000 + b"\n",
    }
    check_files(tmp_path, files, timeout=90)


@pytest.mark.e2e
def test_ten_megabyte_single_line_and_list_load_in_seconds(tmp_path: Path) -> None:
    words = "river town bread market water stone field lamp north south".split()
    line = " ".join(words[i % 10] + ("." if i % 17 == 0 else "") for i in range(1_700_000))
    price_list = "".join(
        f"{words[i % 10].title()} {i % 9 + 1} kg {i % 97}.50\n" for i in range(600_000)
    )
    files = {"line.txt": line.encode(), "list.txt": price_list.encode()}
    assert all(len(data) >= 10_000_000 for data in files.values())
    outcomes = check_files(tmp_path, files, timeout=300)
    assert all("title" in outcomes[name]["results"][0] for name in files)


@pytest.mark.e2e
def test_pdf_whose_streams_expand_to_megabytes_of_text_is_bounded(tmp_path: Path) -> None:
    ops = b"BT /F1 12 Tf 72 712 Td (river town) Tj ET\n" * 50_000
    files = {"bomb.pdf": pdf_with_streams([zlib.compress(ops, 9)] * 4)}
    assert len(files["bomb.pdf"]) < 50_000
    check_files(tmp_path, files, timeout=300)


# --- mutated files, fuzzed in-process -------------------------------------------------------

NASTY = [
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    "\u202e".encode(),
    "\u200b".encode(),
    b"<div>" * 50,
    b"</p><p>",
    b"\r",
    b"\n\n",
    b"**",
    b"[",
    b"---\n",
    b'"',
    b"{",
    b"stream\n",
    b"endobj",
    b"%%EOF",
]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed with a few bytes cut, flipped, inserted or repeated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["cut", "flip", "insert", "repeat"]))
        at = draw(st.integers(0, len(data)))
        if kind == "cut":
            data = data[:at]
        elif kind == "flip" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(NASTY))
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(2, 20))
    return bytes(data)


def read_and_prepare(name: str, data: bytes) -> None:
    """Every item read is an IngestError or a draft that prepares cleanly (or is empty)."""
    with time_limit(30):
        for _, item in read_file(name, Path(name).suffix, data):
            if isinstance(item, IngestError):
                assert str(item).strip()
                continue
            assert isinstance(item, Draft)
            try:
                article = prepare(item)
            except IngestError:
                continue
            assert not re.search(BAD_CHARACTER, article.title + article.text.replace("\n", " "))
            assert all(len(s.text.split()) <= 80 for s in article.sentences)


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEEDS: dict[str, Callable[[], bytes]] = {
    "seed.pdf": seed_pdf,
    "seed.html": lambda: SEED_HTML,
    "seed.md": lambda: SEED_MD,
    "seed.txt": lambda: SEED_TXT,
    "seed.jsonl": lambda: SEED_JSONL,
}


@pytest.mark.parametrize("name", sorted(SEEDS))
@FUZZ
@given(data=st.data())
def test_mutated_files_give_articles_or_ingest_errors(name: str, data: st.DataObject) -> None:
    read_and_prepare(name, data.draw(mutated(SEEDS[name]())))


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".pdf", ".jsonl"])
@FUZZ
@given(data=st.binary(max_size=4000))
def test_arbitrary_bytes_give_articles_or_ingest_errors(suffix: str, data: bytes) -> None:
    read_and_prepare(f"random{suffix}", data)
