"""The message catalogs: complete, well formed, read without msgfmt, chosen by language."""

from __future__ import annotations

import ast
import gettext
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot import i18n
from bot.engine import AddOutcome
from bot.i18n import (
    ENGLISH,
    LANGUAGES,
    PoError,
    catalog,
    for_locale,
    for_user,
    language_of,
    locale_language,
    locale_tag,
    mo_image,
    parse_po,
    plural_forms,
    translation,
)
from bot.render import failure_reason, outcome_line
from corpus.models import Article

BOT = Path(i18n.__file__).parent
LOCALE = BOT / "locale"
PLACEHOLDER_RE = re.compile(r"\{(\w*)\}")
# What a translation must keep as it is: commands, options, file types, code words.
VERBATIM_RE = re.compile(
    r"(?<![\w.])[/:]\w+|qabot \w+|--\w+|\.(?:txt|md|html|pdf|jsonl)\b|PATH\|URL"
)
TAG_RE = re.compile(r"</?\w+[^>]*>")


def messages_in_code() -> dict[str, str | None]:
    """Every message the bot's code marks for the catalogs: ``t.gettext("…")``,
    ``t.ngettext("…", "…", n)`` and ``N_("…")``, with its plural (or None)."""
    found: dict[str, str | None] = {}
    for path in sorted(BOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            strings = [
                a.value
                for a in node.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            if name in ("gettext", "N_") and strings:
                found[strings[0]] = None
            elif name == "ngettext" and len(strings) >= 2:
                found[strings[0]] = strings[1]
    return found


def _msgid(key: str) -> str:
    return key.split("\0")[0]


def _article(passages: int) -> Article:
    return Article(
        id=12,
        title="Sea otters",
        url=None,
        source=None,
        published=None,
        text="",
        original="",
        added_by="test",
        added_at="2026-01-01T00:00:00",
        content_hash="",
        passages=passages,
        sentences=passages * 3,
    )


# -- the catalogs are complete and well formed --------------------------------------------


def test_the_code_marks_messages_for_the_catalogs() -> None:
    messages = messages_in_code()
    assert "I couldn't find that in the articles." in messages
    assert messages["{n} passage"] == "{n} passages"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation_in_every_language(language: str) -> None:
    translated = {_msgid(k): k for k in catalog(language) if k}
    missing = sorted(m for m in messages_in_code() if m not in translated)
    assert not missing, f"{language}.po lacks (or has fuzzy or empty) translations of {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalog_keeps_a_message_the_code_no_longer_says(language: str) -> None:
    used = messages_in_code()
    stale = sorted(_msgid(k) for k in catalog(language) if k and _msgid(k) not in used)
    assert not stale, f"{language}.po has messages no code says: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plural_message_has_every_form_of_the_languages_rules(language: str) -> None:
    messages = catalog(language)
    nplurals, _ = plural_forms(messages)
    used = messages_in_code()
    for key, value in messages.items():
        if key and used.get(_msgid(key)) is not None:
            assert "\0" in key, f"{language}.po: {_msgid(key)!r} is a plural in the code"
            assert len(value.split("\0")) == nplurals, f"{language}.po: {_msgid(key)!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_markup(language: str) -> None:
    for key, value in catalog(language).items():
        if not key:
            continue
        msgid = _msgid(key)
        wanted = set(PLACEHOLDER_RE.findall(msgid))
        for form in value.split("\0"):
            got = set(PLACEHOLDER_RE.findall(form))
            if "\0" in key:  # a form may say "one" or "two" in words instead of {n}
                assert got <= wanted, f"{language}.po: {form!r} for {msgid!r}"
            else:
                assert got == wanted, f"{language}.po: {form!r} for {msgid!r}"
            assert sorted(TAG_RE.findall(form)) == sorted(TAG_RE.findall(msgid)), (
                f"{language}.po: markup of {form!r} for {msgid!r}"
            )
            kept = set(VERBATIM_RE.findall(form))
            assert set(VERBATIM_RE.findall(msgid)) <= kept, f"{language}.po: {form!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_are_safe_as_telegram_html(language: str) -> None:
    """The bot sends its own words as HTML unescaped: no "<" but the message's tags, no "&"."""
    for key, value in catalog(language).items():
        for form in value.split("\0") if key else ():
            rest = TAG_RE.sub("", form)
            assert "<" not in rest and ">" not in rest and "&" not in rest, f"{language}: {form!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_are_safe_as_argparse_help(language: str) -> None:
    """argparse fills help texts with ``%``: a translation holds none."""
    for key, value in catalog(language).items():
        assert not key or "%" not in value, f"{language}: {value!r}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is absent")
@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_each_catalog_and_compiles_what_the_loader_builds(
    language: str, tmp_path: Path
) -> None:
    po = LOCALE / f"{language}.po"
    mo = tmp_path / f"{language}.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
    with mo.open("rb") as f:
        theirs = gettext.GNUTranslations(f)
    ours = translation(language)
    for key in catalog(language):
        if key and "\0" not in key:
            assert ours.gettext(key) == theirs.gettext(key)
        elif key:
            singular, plural = key.split("\0")
            for n in (0, 1, 2, 3, 5, 11, 21, 100, 102):
                assert ours.ngettext(singular, plural, n) == theirs.ngettext(singular, plural, n)


def test_the_catalogs_ship_with_the_package() -> None:
    pyproject = (BOT.parent / "pyproject.toml").read_text()
    assert '"locale/*.po"' in pyproject
    assert sorted(p.stem for p in LOCALE.glob("*.po")) == sorted(LANGUAGES)


# -- the loader ----------------------------------------------------------------------------

PO = r"""# a comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
"(n%100<10 || n%100>=20) ? 1 : 2);\n"

#: bot/render.py
msgid "Say \"hi\"\n"
msgstr "Скажи \"привет\"\n"

#, fuzzy
msgid "Fuzzy"
msgstr "Не уверен"

msgid "Untranslated"
msgstr ""

msgctxt "button"
msgid "More"
msgstr "Ещё"

msgid "{n} article"
msgid_plural "{n} articles"
msgstr[0] "{n} статья"
msgstr[1] "{n} "
"статьи"
msgstr[2] "{n} статей"

#~ msgid "Obsolete"
#~ msgstr "Устарело"
"""


def test_the_loader_reads_escapes_continuations_contexts_and_plurals() -> None:
    t = gettext.GNUTranslations(io.BytesIO(mo_image(parse_po(PO))))
    assert t.gettext('Say "hi"\n') == 'Скажи "привет"\n'
    assert t.pgettext("button", "More") == "Ещё"
    assert [t.ngettext("{n} article", "{n} articles", n) for n in (1, 2, 5, 21)] == [
        "{n} статья",
        "{n} статьи",
        "{n} статей",
        "{n} статья",
    ]


def test_the_loader_leaves_out_fuzzy_untranslated_and_obsolete_entries() -> None:
    keys = set(parse_po(PO))
    assert {"Fuzzy", "Untranslated", "Obsolete"}.isdisjoint(keys)


@pytest.mark.parametrize(
    "broken",
    ['msgid "a"\nmsgstr "b', 'msgstr "b"', 'msgid "a"\nmsgstr "\\q"', 'msgid "a"\nmsgfoo "b"'],
)
def test_the_loader_rejects_a_broken_catalog_with_its_line(broken: str) -> None:
    with pytest.raises(PoError, match=r"x\.po:\d"):
        parse_po(broken, "x.po")


# -- choosing the language -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("pt-br", ENGLISH),
        ("zh-hans", "zh"),
        ("ar", "ar"),
        ("es_MX.UTF-8", "es"),
        ("", ENGLISH),
        (None, ENGLISH),
        ("tlh", ENGLISH),
    ],
)
def test_a_language_tag_picks_its_catalog_or_its_base_or_english(
    tag: str | None, language: str
) -> None:
    assert language_of(tag) == language


def test_an_unknown_language_falls_back_to_english() -> None:
    t = for_user("xx-unknown")
    assert t.gettext("I couldn't find that in the articles.") == (
        "I couldn't find that in the articles."
    )
    assert t.ngettext("{n} passage", "{n} passages", 1) == "{n} passage"


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "de_DE.UTF-8", "LC_ALL": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "ar_EG.UTF-8"}, "ar"),
        ({"LANG": "de_DE.UTF-8", "LANGUAGE": "fr:es"}, "es"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "de"}, ENGLISH),
        ({"LANG": "POSIX"}, ENGLISH),
        ({}, ENGLISH),
    ],
)
def test_the_locale_picks_the_language_as_gettext_does(
    environ: dict[str, str], language: str
) -> None:
    assert locale_language(environ) == language


def test_the_command_line_catalog_follows_the_locale() -> None:
    t = for_locale({"LANG": "es_ES.UTF-8"})
    assert t.gettext("No passage matches.") != "No passage matches."


# -- plurals -------------------------------------------------------------------------------


def _added(language: str, passages: int) -> str:
    return outcome_line(AddOutcome("a.txt", article=_article(passages)), t=translation(language))


@pytest.mark.parametrize(
    ("passages", "line"),
    [
        (1, "Added #12: Sea otters (1 passage)"),
        (2, "Added #12: Sea otters (2 passages)"),
        (5, "Added #12: Sea otters (5 passages)"),
    ],
)
def test_english_plurals(passages: int, line: str) -> None:
    assert _added(ENGLISH, passages) == line


@pytest.mark.parametrize(
    ("passages", "count"),
    [(1, "1 фрагмент"), (2, "2 фрагмента"), (5, "5 фрагментов"), (21, "21 фрагмент")],
)
def test_russian_plurals(passages: int, count: str) -> None:
    assert f"({count})" in _added("ru", passages)


@pytest.mark.parametrize(
    ("n", "english", "russian"),
    [
        (1, "1 article", "1 статья"),
        (2, "2 articles", "2 статьи"),
        (5, "5 articles", "5 статей"),
    ],
)
def test_article_counts_in_english_and_russian(n: int, english: str, russian: str) -> None:
    assert translation(ENGLISH).ngettext("{n} article", "{n} articles", n).format(n=n) == english
    assert translation("ru").ngettext("{n} article", "{n} articles", n).format(n=n) == russian


# -- why an input could not be added -------------------------------------------------------


def _scanned_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.rect(100, 100, 200, 200, fill=1)  # a picture, no text
    page.save()
    return out.getvalue()


FAILING_UPLOADS = {
    "empty.txt": b"",
    "binary.txt": bytes(range(256)) * 4,
    "report.docx": b"PK\x03\x04 a word document",
    "scan.pdf": _scanned_pdf(),
    "broken.pdf": b"%PDF-1.4 broken",
    "latin1.txt": "Café\n\nLe café est fermé.".encode("latin-1"),
    "lines.jsonl": b"{not json\n",
    "binary.jsonl": bytes(range(256)) * 4,
    "records.jsonl": b'[1, 2]\n{"title": "No text", "text": ""}\n' + b"[" * 5000 + b"\n",
}


@pytest.fixture(scope="module")
def failures(tmp_path_factory: pytest.TempPathFactory) -> list[AddOutcome]:
    """What corpus/ says of uploads that cannot be added, as the engine reports them."""
    import asyncio

    from bot.engine import Engine, EngineSettings

    async def add_all() -> list[AddOutcome]:
        db = tmp_path_factory.mktemp("failures") / "q.db"
        async with await Engine.open(db, EngineSettings(), answers=False) as engine:
            outcomes = []
            for name, data in FAILING_UPLOADS.items():
                outcomes += await engine.add_bytes(name, data, "test")
            return outcomes

    outcomes = asyncio.run(add_all())
    assert len(outcomes) == len(FAILING_UPLOADS) + 2  # three records of records.jsonl
    assert all(o.status == "failed" for o in outcomes)
    return outcomes


def test_a_failure_reason_never_repeats_the_inputs_name(failures: list[AddOutcome]) -> None:
    for outcome in failures:
        assert outcome.error and not outcome.error.startswith(outcome.name.split(":")[0])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reason_corpus_gives_for_a_bad_upload_is_translated(
    failures: list[AddOutcome], language: str
) -> None:
    t = translation(language)
    for outcome in failures:
        for shell in (False, True):
            english = failure_reason(outcome, shell=shell)
            assert failure_reason(outcome, t, shell) != english, (language, english)


def test_a_chat_is_told_to_send_a_file_and_a_shell_what_qabot_add_takes(
    failures: list[AddOutcome],
) -> None:
    docx = next(o for o in failures if o.name == "report.docx")
    assert failure_reason(docx) == (
        "unsupported file type .docx; send a .txt, .md, .html, .pdf or .jsonl file"
    )
    assert failure_reason(docx, shell=True) == (
        "unsupported file type .docx; qabot add takes .txt, .md, .html, .pdf and .jsonl files, "
        "folders and web addresses"
    )


@pytest.mark.parametrize(
    ("environ", "tag"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "de_DE.UTF-8", "LC_ALL": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "C.UTF-8"}, None),
        ({}, None),
    ],
)
def test_the_locales_language_is_known_even_without_a_catalog(
    environ: dict[str, str], tag: str | None
) -> None:
    assert locale_tag(environ) == tag
