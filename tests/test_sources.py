"""Loading articles from files, directories, URLs, stdin, uploads and messages; bad input."""

from __future__ import annotations

import io
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from corpus.errors import (
    DecodeFailed,
    EmptyArticle,
    FetchFailed,
    IngestError,
    TooLarge,
    UnsupportedFile,
)
from corpus.models import Draft
from corpus.prepare import content_hash, prepare
from corpus.sources import Limits, Loaded, load_bytes, load_message, load_source

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE_HTML = (FIXTURES / "article.html").read_bytes()


def only(source: str, limits: Limits | None = None) -> Loaded:
    (loaded,) = load_source(source, limits or Limits())
    return loaded


def draft_of(loaded: Loaded) -> Draft:
    assert loaded.error is None, loaded.error
    assert loaded.draft is not None
    return loaded.draft


def error_of(loaded: Loaded) -> IngestError:
    assert loaded.draft is None
    assert loaded.error is not None
    return loaded.error


def write(path: Path, data: str | bytes) -> str:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


# --- text and Markdown -------------------------------------------------------------------


def test_markdown_heading_is_the_title_and_leaves_the_body(tmp_path: Path) -> None:
    draft = draft_of(only(write(tmp_path / "a.md", "# River Report\n\nThe river is low.\n")))
    assert draft.title == "River Report"
    assert "River Report" not in draft.text


def test_plain_text_title_is_the_first_line(tmp_path: Path) -> None:
    draft = draft_of(only(write(tmp_path / "a.txt", "\nRiver report\nThe river is low.\n")))
    assert draft.title == "River report"


def test_front_matter_gives_title_url_date_and_source(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Dry Summer\nurl: https://example.org/dry\ndate: 2024-06-01\n"
        "source: Valley Courier\n---\nThe river is low.\n"
    )
    draft = draft_of(only(write(tmp_path / "a.md", text)))
    assert (draft.title, draft.url, draft.published, draft.source) == (
        "Dry Summer",
        "https://example.org/dry",
        "2024-06-01",
        "Valley Courier",
    )
    assert draft.text.strip() == "The river is low."


def test_title_markup_is_kept_verbatim(tmp_path: Path) -> None:
    draft = draft_of(only(write(tmp_path / "a.md", "# <b>Rivers & Towns</b>\n\nLow water.\n")))
    assert prepare(draft).title == "<b>Rivers & Towns</b>"


# --- bad files ---------------------------------------------------------------------------


def test_empty_file_is_an_empty_article(tmp_path: Path) -> None:
    assert isinstance(error_of(only(write(tmp_path / "a.txt", ""))), EmptyArticle)


def test_binary_file_renamed_txt_is_unsupported(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    error = error_of(only(write(tmp_path / "image.txt", data)))
    assert isinstance(error, UnsupportedFile)
    assert "binary" in str(error)


def test_invalid_utf8_names_the_byte_offset(tmp_path: Path) -> None:
    error = error_of(only(write(tmp_path / "a.txt", b"Caf\xe9 au lait.")))
    assert isinstance(error, DecodeFailed)
    assert "byte 3" in str(error)


def test_unknown_extension_is_unsupported() -> None:
    (loaded,) = load_bytes("sheet.xlsx", b"PK\x03\x04")
    assert isinstance(error_of(loaded), UnsupportedFile)


def test_missing_path_is_reported_not_raised(tmp_path: Path) -> None:
    assert isinstance(error_of(only(str(tmp_path / "nope.txt"))), UnsupportedFile)


def test_file_above_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)
    error = error_of(only(str(path), Limits(max_bytes=1_000_000)))
    assert isinstance(error, TooLarge)
    assert "50000000" in str(error) and "1000000" in str(error)


def test_front_matter_lists_are_not_taken_for_a_title(tmp_path: Path) -> None:
    text = "---\ntitle: [Rivers, Lakes]\n---\nWells Run Dry\n\nThe wells are dry.\n"
    assert draft_of(only(write(tmp_path / "a.md", text))).title == "Wells Run Dry"


def test_front_matter_with_aliases_is_read_without_expanding_them(tmp_path: Path) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        levels.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    front = "\n".join([*levels, "title: *i"])
    text = f"---\n{front}\n---\nWells Run Dry\n\nThe wells are dry.\n"
    assert draft_of(only(write(tmp_path / "a.md", text))).title == "Wells Run Dry"


def test_markdown_heading_loses_its_closing_hashes(tmp_path: Path) -> None:
    draft = draft_of(only(write(tmp_path / "a.md", "## Dry wells ##\n\nThe wells are dry.\n")))
    assert draft.title == "Dry wells"


def test_markdown_links_and_emphasis_keep_their_words(tmp_path: Path) -> None:
    text = "Wells\n\nSee **the map** and [the report](https://e.org/r) on __wells__.\n"
    draft = draft_of(only(write(tmp_path / "a.md", text)))
    assert draft.text.strip() == "See the map and the report on wells."


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_without_text_layer_is_unsupported(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=300, height=300)
    buffer = io.BytesIO()
    writer.write(buffer)
    error = error_of(only(write(tmp_path / "scan.pdf", buffer.getvalue())))
    assert isinstance(error, UnsupportedFile)
    assert "no text layer" in str(error)


def test_pdf_with_text_is_read(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Wells Run Dry")
    page.drawString(72, 700, "The farmers dug deeper wells this year.")
    page.save()
    draft = draft_of(only(write(tmp_path / "wells.pdf", buffer.getvalue())))
    assert draft.title == "Wells Run Dry"
    assert "deeper wells" in draft.text


def test_pdf_with_too_much_text_is_too_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportlab.pdfgen import canvas

    from corpus import formats

    monkeypatch.setattr(formats, "PDF_MAX_CHARS", 20)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 700, "The farmers dug deeper wells this year.")
    page.save()
    error = error_of(only(write(tmp_path / "wells.pdf", buffer.getvalue())))
    assert isinstance(error, TooLarge)
    assert "characters of text" in str(error)


# --- JSONL -------------------------------------------------------------------------------


def test_jsonl_broken_line_is_reported_and_the_others_load(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": 7, "title": "One", "text": "First text.", "url": "https://e.org/1"}),
        '{"title": "Two", "text": ',
        json.dumps({"title": "Three", "text": "Third text.", "published": "2024-01-02"}),
    ]
    path = write(tmp_path / "set.jsonl", "\n".join(lines))
    loaded = list(load_source(path))
    assert [item.name for item in loaded] == [f"{path}:1", f"{path}:2", f"{path}:3"]
    assert isinstance(loaded[1].error, DecodeFailed)
    assert f"{path}:2" in str(loaded[1].error)
    first, third = draft_of(loaded[0]), draft_of(loaded[2])
    assert (first.external_id, first.url, third.published) == ("7", "https://e.org/1", "2024-01-02")


def test_jsonl_line_without_text_is_an_empty_article(tmp_path: Path) -> None:
    (loaded,) = load_source(write(tmp_path / "set.jsonl", '{"title": "No body"}\n'))
    assert isinstance(error_of(loaded), EmptyArticle)


def test_jsonl_nested_too_deeply_is_a_decode_error(tmp_path: Path) -> None:
    error = error_of(only(write(tmp_path / "a.jsonl", "[" * 100_000 + "]" * 100_000 + "\n")))
    assert isinstance(error, DecodeFailed)
    assert "nested too deeply" in str(error)


# --- HTML --------------------------------------------------------------------------------


def test_html_gives_title_date_canonical_url_and_main_text(tmp_path: Path) -> None:
    draft = draft_of(only(write(tmp_path / "page.html", ARTICLE_HTML)))
    assert draft.title == "Quiet Rivers & Loud Towns"
    assert draft.published == "2024-03-05"
    assert draft.url == "https://courier.example.org/2024/rivers"
    assert "deeper wells" in draft.text
    assert "Copyright" not in draft.text and "Log in" not in draft.text


# --- directories, stdin, uploads, messages -------------------------------------------------


def test_directory_is_read_recursively_sorted_skipping_hidden_and_unknown(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "Bee\nText b.")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "a.md", "# Ay\n\nText a.")
    shutil.copy(FIXTURES / "article.html", tmp_path / "sub" / "c.html")
    write(tmp_path / ".hidden.txt", "Hidden\nText.")
    write(tmp_path / "notes.docx", "not read")
    write(tmp_path / "empty.txt", "")
    names = [Path(item.name).name for item in load_source(str(tmp_path))]
    assert names == ["b.txt", "empty.txt", "a.md", "c.html"]


def test_stdin_is_one_article(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"Piped title\nPiped body text."), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    loaded = only("-")
    assert loaded.name == "stdin"
    assert draft_of(loaded).title == "Piped title"


def test_uploaded_bytes_use_the_extension_of_the_name() -> None:
    (loaded,) = load_bytes("notes.md", b"# Upload\n\nSent from a phone.")
    assert draft_of(loaded).title == "Upload"


def test_uploaded_bytes_above_the_limit_are_refused() -> None:
    (loaded,) = load_bytes("big.txt", b"x" * 200, Limits(max_bytes=100))
    assert isinstance(error_of(loaded), TooLarge)


def test_message_title_is_its_first_line() -> None:
    draft = draft_of(load_message("Road closed\nThe bridge on Elm St. is shut until May."))
    assert draft.title == "Road closed"


def test_one_line_message_title_is_its_first_words() -> None:
    text = "The bridge on Elm Street is shut until the end of May for repairs."
    assert draft_of(load_message(text)).title == "The bridge on Elm Street is shut until"


def test_empty_message_is_an_empty_article() -> None:
    assert isinstance(error_of(load_message("  \n ")), EmptyArticle)


# --- URLs --------------------------------------------------------------------------------

ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/article": (200, "text/html; charset=utf-8", ARTICLE_HTML),
    "/plain": (200, "text/plain", b"Plain title\nPlain body text."),
    "/image.png": (200, "image/png", b"\x89PNG\r\n\x1a\n"),
    "/missing": (404, "text/html", b"gone"),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/plain")
            self.end_headers()
            return
        status, content_type, body = ROUTES[self.path]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_article_is_read_with_canonical_url(server: str) -> None:
    draft = draft_of(only(f"{server}/article"))
    assert draft.title == "Quiet Rivers & Loud Towns"
    assert draft.url == "https://courier.example.org/2024/rivers"


def test_url_redirect_is_followed_to_the_final_url(server: str) -> None:
    draft = draft_of(only(f"{server}/moved"))
    assert (draft.title, draft.url) == ("Plain title", f"{server}/plain")


def test_non_html_url_is_not_an_article(server: str) -> None:
    error = error_of(only(f"{server}/image.png"))
    assert isinstance(error, FetchFailed)
    assert "not an article: content-type image/png" in str(error)


def test_url_answering_404_fails(server: str) -> None:
    assert "404" in str(error_of(only(f"{server}/missing")))


def test_url_larger_than_the_limit_is_refused(server: str) -> None:
    assert isinstance(error_of(only(f"{server}/article", Limits(max_bytes=100))), TooLarge)


def test_unreachable_url_fails_clearly() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = error_of(only(f"http://127.0.0.1:{port}/", Limits(timeout=2.0)))
    assert isinstance(error, FetchFailed)
    assert "could not connect" in str(error)


def test_only_http_urls_are_fetched() -> None:
    assert isinstance(error_of(only("ftp://example.org/a.txt")), FetchFailed)


# --- prepare -------------------------------------------------------------------------------


def test_prepare_keeps_the_original_and_cleans_the_text() -> None:
    draft = Draft(title="  Dry \n Summer ", text="\u201cLow,\u201d he said.\nShare this article\n")
    prepared = prepare(draft)
    assert (prepared.title, prepared.text, prepared.original) == (
        "Dry Summer",
        '"Low," he said.',
        draft.text,
    )


def test_prepare_leaves_attribution_lines_out_of_sentences() -> None:
    text = "The mayor wrote:\n\nBridge open today!\n— Jane Doe (@jdoe) May 5, 2025\n\nIt opened."
    prepared = prepare(Draft(title="Bridge", text=text))
    assert [s.text for s in prepared.sentences] == [
        "The mayor wrote:",
        "Bridge open today!",
        "It opened.",
    ]
    assert [s.position for s in prepared.sentences] == [0, 1, 2]


def test_prepare_refuses_text_that_is_only_boilerplate() -> None:
    with pytest.raises(EmptyArticle):
        prepare(Draft(title="x", text="Share this article\nAdvertisement\n"))


def test_prepare_falls_back_to_the_first_words_for_a_title() -> None:
    assert prepare(
        Draft(title=" ", text="One two three four five six seven eight nine.")
    ).title == ("One two three four five six seven eight")


def test_content_hash_ignores_whitespace_case_and_quote_style() -> None:
    assert content_hash("\u201cHello\u201d   World\n") == content_hash('"hello" world')
    assert content_hash("Hello world") != content_hash("Hello there")


def test_prepare_cuts_a_very_long_title_at_a_word() -> None:
    title = " ".join(["river"] * 100)
    prepared = prepare(Draft(title=title, text="The river rose."))
    assert len(prepared.title) <= 200
    assert prepared.title.endswith("river…")


def test_prepare_drops_invisible_characters_from_the_title() -> None:
    prepared = prepare(Draft(title="\u202eRiver\u200b report\x00", text="The river rose."))
    assert prepared.title == "River report"
