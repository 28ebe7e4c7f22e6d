"""Whatever the articles hold, a reply is valid Telegram HTML and takes a bounded room.

The oracle is the fake Bot API server's parser (``botapi.parse_html``): well-formed, only
Telegram's tags, no unescaped ``<`` or ``&``, as Telegram checks them.
"""

from __future__ import annotations

from botapi import parse_html, utf16_len
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import FIELD_CHARS, TITLE_CHARS, clip, more_html, render_html, sources_html
from bot.telegram_text import MAX_MESSAGE, MAX_PARTS, escape, message_parts, split_html
from index.models import NONE, SURE, VERDICTS, Answer, Quote, Source

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MARKUP = st.sampled_from(["<", ">", "&", "&amp;", "<b>", "</a>", '"', "'", "\n", "😀", " ", "x"])
# Any text, and long runs of markup characters, emoji and spaces.
TEXT = st.one_of(
    st.text(max_size=300),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(0, 4000)),
    st.lists(MARKUP, max_size=3000).map("".join),
)
URLS = st.one_of(
    st.none(),
    TEXT,
    st.sampled_from(["https://example.org/?a=1&b=2", "javascript:alert(1)", "http://x/<b>"]),
)


@st.composite
def answers(draw: st.DrawFn) -> Answer:
    sources = tuple(
        Source(n, n * 10, draw(TEXT), draw(URLS), draw(st.none() | TEXT), draw(st.none() | TEXT))
        for n in range(1, draw(st.integers(1, 3)) + 1)
    )

    def quote(citation: int | None) -> Quote:
        source = draw(st.sampled_from(sources))
        text = draw(TEXT)
        highlight = draw(st.none() | st.tuples(st.integers(0, 5000), st.integers(0, 5000)))
        n = source.n if citation is None else citation
        return Quote(text, n, source.article_id, 1, 0, 1.0, highlight)

    verdict = draw(st.sampled_from(VERDICTS))
    quoting = verdict != NONE
    quotes = tuple(quote(None) for _ in range(draw(st.integers(1, 3)))) if quoting else ()
    more = tuple(quote(None if quoting else 0) for _ in range(draw(st.integers(0, 3))))
    question = draw(TEXT.filter(str.strip))  # a blank question is answered with a prompt
    return Answer(question, verdict == SURE, 0.5, None, quotes, sources, more, verdict=verdict)


def check_reply(html_text: str) -> str:
    """Check what the bot would send for ``html_text``; return the text a user sees."""
    parts = split_html(html_text)
    assert 1 <= len(parts) <= MAX_PARTS
    assert message_parts(html_text) == parts
    for part in parts:
        assert utf16_len(parse_html(part)) <= MAX_MESSAGE
    return parse_html(html_text)


@PROPERTY
@given(answers())
def test_any_answer_renders_to_valid_telegram_html_within_the_bounds(answer: Answer) -> None:
    shown = check_reply(render_html(answer))
    for source in answer.sources:  # user text shown as it is, never read as markup
        assert clip(source.title, TITLE_CHARS) in shown
    check_reply(sources_html(answer))
    check_reply(more_html(answer))


@PROPERTY
@given(answers())
def test_sources_show_every_title_and_date_as_text(answer: Answer) -> None:
    shown = check_reply(sources_html(answer))
    for source in answer.sources:
        assert clip(source.title, TITLE_CHARS) in shown
        if source.published:
            assert clip(source.published, FIELD_CHARS) in shown


@PROPERTY
@given(TEXT)
def test_any_text_is_sent_as_at_most_max_parts_valid_messages(text: str) -> None:
    parts = message_parts(f"<b>{escape(text)}</b>" * 3)
    assert len(parts) <= MAX_PARTS
    for part in parts:
        assert utf16_len(parse_html(part)) <= MAX_MESSAGE
