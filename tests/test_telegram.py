"""The Telegram bot end to end: real python-telegram-bot against the fake Bot API server."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from botapi import BOT, TOKEN, FakeBotApi, Sent

from bot.engine import Engine, EngineSettings
from bot.settings import Settings
from bot.telegram import build_application
from bot.telegram_state import App
from index.answer import AnswerSettings
from index.models import Answer, Quote, Source

pytestmark = pytest.mark.e2e

ADMIN = 42
ARTICLES = [
    {
        "title": "Sea otters",
        "url": "https://example.org/otters?id=1&lang=en",
        "text": "Sea otters use rocks as tools to crack open shellfish. They live along the "
        "coasts of the North Pacific Ocean. Sea otters have the densest fur of any animal, "
        "with up to a million hairs per square inch. Otters often sleep floating on their "
        "backs and hold paws so that they do not drift apart.",
    },
    {
        "title": "Fish <b>&</b> Chips: a <i>history</i>",
        "published": "2024-05-01",
        "text": "Fish and chips became a popular meal in England in the 1860s. The first "
        "fish and chip shop is said to have opened in London. Malt vinegar is the "
        "traditional condiment sprinkled on fish and chips.",
    },
    {
        "title": "Volcanoes",
        "url": "https://example.org/volcanoes",
        "text": "Volcanoes erupt when magma rises to the surface of the Earth. Mount Etna in "
        "Sicily is one of the most active volcanoes in the world. Lava can reach "
        "temperatures of about 1200 degrees Celsius.",
    },
]
OTTER_Q = "What do sea otters use to crack open shellfish?"
StartBot = Callable[..., Awaitable[App]]


@pytest.fixture
def engine_settings(request: pytest.FixtureRequest) -> EngineSettings:
    """The engine's settings: as the environment says, or a test's own (``indirect``)."""
    given: EngineSettings | None = getattr(request, "param", None)
    return given or EngineSettings.from_env()


@pytest.fixture
async def engine(tmp_path: Path, engine_settings: EngineSettings) -> AsyncIterator[Engine]:
    engine = await Engine.open(tmp_path / "qabot.db", engine_settings)
    data = "\n".join(json.dumps(a) for a in ARTICLES).encode()
    outcomes = await engine.add_bytes("seed.jsonl", data, "test")
    assert [o.status for o in outcomes] == ["added"] * len(ARTICLES)
    yield engine
    await engine.close()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def start_bot(api: FakeBotApi, engine: Engine) -> AsyncIterator[StartBot]:
    """Start the bot polling the fake server; stop it at the end of the test."""
    apps: list[App] = []

    async def start(**overrides: Any) -> App:
        settings = Settings(
            token=TOKEN, admins=frozenset({ADMIN}), bot_api_url=api.url, **overrides
        )
        app = build_application(settings, engine)
        await app.initialize()
        apps.append(app)
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        return app

    yield start
    for app in apps:
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await app.shutdown()


@pytest.fixture
async def bot(start_bot: StartBot) -> App:
    return await start_bot()


def reply_to(sent: Sent) -> int | None:
    reply = sent.params.get("reply_parameters")
    return reply["message_id"] if reply else None


def buttons(sent: Sent) -> dict[str, str]:
    markup = sent.params.get("reply_markup") or {"inline_keyboard": []}
    return {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}


async def ask(api: FakeBotApi, chat_id: int, text: str | None, **kw: Any) -> Sent:
    """Send a message and return the bot's first reply to it."""
    start = len(api.calls)
    message = api.message(chat_id, text, **kw)

    def replied(calls: list[Sent]) -> Sent | None:
        return next(
            (
                c
                for c in calls[start:]
                if c.method == "sendMessage" and reply_to(c) == message["message_id"]
            ),
            None,
        )

    result: Sent = await api.wait_for(replied)
    return result


async def test_private_question_answered_with_escaped_html_and_citation_link(
    api: FakeBotApi, bot: App
) -> None:
    reply = await ask(api, 101, OTTER_Q)
    assert reply.params["parse_mode"] == "HTML"
    assert "Sea otters use rocks as tools to crack open shellfish." in reply.plain
    assert '<a href="https://example.org/otters?id=1&amp;lang=en">Sea otters</a>' in reply.text
    assert "[1]" in reply.plain
    assert "Sources" in buttons(reply)


async def test_typing_is_shown_while_the_bot_works(
    api: FakeBotApi, bot: App, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = asyncio.Event()
    ask_engine = engine.ask

    async def slow(question: str) -> Answer:
        await release.wait()
        return await ask_engine(question)

    monkeypatch.setattr(engine, "ask", slow)
    api.message(101, OTTER_Q)
    typing = await api.wait_sent(101, method="sendChatAction")
    assert typing[0].params["action"] == "typing"
    assert not api.sent(chat_id=101)
    release.set()
    reply = await api.wait_sent(101)
    assert "rocks as tools" in reply[0].plain


async def test_group_message_not_addressed_to_the_bot_is_ignored(api: FakeBotApi, bot: App) -> None:
    ignored = api.message(-500, OTTER_Q, user_id=7)
    reply = await ask(api, -500, f"/ask {OTTER_Q}", user_id=7)
    assert "rocks as tools" in reply.plain
    assert [reply_to(c) for c in api.sent(chat_id=-500)] == [reply_to(reply)]
    assert reply_to(reply) != ignored["message_id"]


async def test_ask_mention_and_reply_in_a_group(api: FakeBotApi, bot: App) -> None:
    reply = await ask(api, -501, "/ask@qabot_test_bot Where is Mount Etna?", user_id=8)
    assert "Mount Etna in Sicily" in reply.plain
    reply = await ask(api, -501, "@qabot_test_bot what do otters use as tools?", user_id=8)
    assert "rocks as tools" in reply.plain
    bot_message = {"message_id": 1, "date": 0, "chat": {"id": -501, "type": "group"}, "from": BOT}
    reply = await ask(
        api, -501, "What temperature can lava reach?", user_id=8, reply_to=bot_message
    )
    assert "1200 degrees" in reply.plain


async def test_admin_adds_a_document_then_a_question_is_answered_from_it(
    api: FakeBotApi, bot: App, engine: Engine
) -> None:
    text = (
        b"# Emperor penguins\n\nEmperor penguins huddle together to survive the Antarctic "
        b"winter. The male emperor penguin keeps the egg warm on his feet for about two months."
    )
    document = api.add_file("penguins.md", text)
    api.message(ADMIN, document=document)
    done = await api.wait_for(
        lambda calls: [c for c in calls if c.method == "sendMessage" and "Added #" in c.text]
    )
    assert "Added #4: Emperor penguins (1 passage)" in done[0].plain
    assert await engine.store.count_articles() == 4
    reply = await ask(api, 102, "Who keeps the penguin egg warm?")
    assert "keeps the egg warm on his feet" in reply.plain

    again = api.add_file("penguins-again.md", text)
    api.message(ADMIN, caption="/add", document=again)
    dup = await api.wait_for(
        lambda calls: [c for c in calls if c.method == "sendMessage" and "Already" in c.text]
    )
    assert "Already have this as #4" in dup[0].plain


async def test_admin_adds_text_and_a_reply_and_removes_lists_counts(
    api: FakeBotApi, bot: App, engine: Engine
) -> None:
    added = await ask(api, ADMIN, "/add Tea\n\nGreen tea is made from unoxidised leaves.")
    assert added.plain == "Added #4: Tea (1 passage)"
    coffee = "Coffee\n\nCoffee beans are the seeds of a cherry-like fruit."
    quoted = api.message(7, coffee, send=False)
    added = await ask(api, ADMIN, "/add", reply_to=quoted)
    assert added.plain == "Added #5: Coffee (1 passage)"
    listed = await ask(api, ADMIN, "/list")
    assert listed.plain.splitlines()[1].startswith("#5 Coffee")
    assert "Fish <b>&</b> Chips" in listed.plain
    assert (await ask(api, ADMIN, "/remove 4")).plain == "Removed #4: Tea"
    assert (await ask(api, ADMIN, "/remove 4")).plain == "There is no article #4."
    assert (await ask(api, ADMIN, "/stats")).plain.startswith("4 articles")


async def test_list_pages_with_buttons(api: FakeBotApi, bot: App, engine: Engine) -> None:
    for i in range(12):
        await engine.add_text(f"Note {i}\n\nThis is note number {i} about nothing.", "test")
    first = await ask(api, ADMIN, "/list")
    assert "1–10 of 15" in first.plain
    assert buttons(first) == {"Older ›": "list:10"}
    message = {**first.result, "chat": {"id": ADMIN, "type": "private"}}
    api.callback(message, "list:10", ADMIN)
    edited = await api.wait_for(lambda calls: api.sent("editMessageText", ADMIN))
    assert "11–15 of 15" in edited[0].plain
    assert "#1 Sea otters" in edited[0].plain


async def test_non_admin_add_is_refused_and_the_store_unchanged(
    api: FakeBotApi, bot: App, engine: Engine
) -> None:
    before = await engine.store.count_articles()
    reply = await ask(api, 7, "/add Tea\n\nGreen tea is made from unoxidised leaves.")
    assert "only the bot's admins" in reply.plain
    document = api.add_file("tea.txt", b"Tea\n\nGreen tea is made from leaves.")
    api.message(7, caption="/add", document=document)
    for command in ("/remove 1", "/list", "/stats"):
        reply = await ask(api, 7, command)
        assert "only the bot's admins" in reply.plain
    refusals = await api.wait_for(
        lambda calls: [c for c in api.sent(chat_id=7) if "only the bot's admins" in c.text][4:]
    )
    assert refusals
    assert await engine.store.count_articles() == before
    assert not api.sent("getFile")


async def test_a_4000_character_question(api: FakeBotApi, bot: App) -> None:
    question = ("Tell me how sea otters crack open shellfish with rocks " * 80)[:4000]
    reply = await ask(api, 103, question)
    assert "rocks as tools" in reply.plain
    assert not api.sent("sendMessage!failed")


async def test_markup_characters_in_a_title_are_escaped(api: FakeBotApi, bot: App) -> None:
    reply = await ask(api, 104, "What condiment goes on fish and chips?")
    assert "Malt vinegar" in reply.plain
    assert "Fish &lt;b&gt;&amp;&lt;/b&gt; Chips: a &lt;i&gt;history&lt;/i&gt;" in reply.text
    assert "Fish <b>&</b> Chips: a <i>history</i> · 2024-05-01" in reply.plain


async def test_not_found_offers_no_wrong_sentence(api: FakeBotApi, bot: App) -> None:
    reply = await ask(api, 105, "What is the airspeed velocity of an unladen swallow?")
    assert reply.plain.startswith("I couldn't find that in the articles")


NEVER_SURE = EngineSettings(answer=AnswerSettings(threshold=1.0, closest=0.0))


@pytest.mark.parametrize("engine_settings", [NEVER_SURE], indirect=True)
async def test_a_closest_reply_says_it_is_not_sure_and_cites_its_quote(
    api: FakeBotApi, bot: App
) -> None:
    reply = await ask(api, 107, "Which tools do otters crack shells with?")
    assert reply.plain.startswith("I'm not sure this answers it; the closest I found:")
    assert "Sea otters use rocks as tools to crack open shellfish. [1]" in reply.plain
    assert "<b>" not in reply.text


async def test_an_empty_collection_says_so_and_how_articles_are_added(
    api: FakeBotApi, bot: App, engine: Engine
) -> None:
    for article in await engine.list_articles():
        await engine.remove(article.id)
    reply = await ask(api, 108, OTTER_Q)
    assert reply.plain == "There are no articles yet. An admin can add them with /add."


async def test_sources_command_and_buttons(api: FakeBotApi, bot: App) -> None:
    empty = await ask(api, 106, "/sources")
    assert "haven't answered" in empty.plain
    answer = await ask(api, 106, OTTER_Q)
    sources = await ask(api, 106, "/sources")
    assert "https://example.org/otters?id=1&amp;lang=en" in sources.text
    message = {**answer.result, "chat": {"id": 106, "type": "private"}}
    api.callback(message, buttons(answer)["Sources"], 106)
    answer_id = answer.result["message_id"]
    again = await api.wait_for(
        lambda calls: [c for c in api.sent(chat_id=106) if reply_to(c) == answer_id]
    )
    assert again[0].text == sources.text
    assert api.sent("answerCallbackQuery")


async def test_a_retry_after_from_the_server_is_survived(api: FakeBotApi, bot: App) -> None:
    api.fail_next("sendMessage", 429, retry_after=1)
    reply = await ask(api, 107, OTTER_Q)
    assert "rocks as tools" in reply.plain
    assert len(api.sent("sendMessage!failed")) == 1


async def test_a_server_error_is_survived(api: FakeBotApi, bot: App) -> None:
    api.fail_next("sendMessage", 500)
    reply = await ask(api, 108, OTTER_Q)
    assert "rocks as tools" in reply.plain


async def test_per_user_question_limit(api: FakeBotApi, start_bot: StartBot) -> None:
    await start_bot(questions_per_minute=2)
    for _ in range(2):
        assert "rocks" in (await ask(api, 109, OTTER_Q)).plain
    assert "faster than I can read" in (await ask(api, 109, OTTER_Q)).plain
    assert "rocks" in (await ask(api, 110, OTTER_Q)).plain


async def test_help_stickers_edits_and_channel_posts(api: FakeBotApi, bot: App) -> None:
    assert "<b>3</b> articles" in (await ask(api, 111, "/start")).text
    assert "/add" in (await ask(api, ADMIN, "/help")).plain
    sticker = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
               "is_video": False, "type": "regular"}  # fmt: skip
    assert "only read text" in (await ask(api, 111, None, sticker=sticker)).plain
    edited = {"message_id": 5, "date": 0, "edit_date": 1, "text": OTTER_Q,
              "chat": {"id": 111, "type": "private"}, "from": {"id": 111, "is_bot": False,
              "first_name": "U"}}  # fmt: skip
    api.push(edited_message=edited)
    api.push(channel_post={"message_id": 6, "date": 0, "text": OTTER_Q,
                           "chat": {"id": -100123, "type": "channel", "title": "C"}})  # fmt: skip
    assert "know that command" in (await ask(api, 111, "/nonsense")).plain
    assert not api.sent(chat_id=-100123)
    assert all(reply_to(c) != 5 for c in api.sent(chat_id=111))


async def test_an_error_tells_the_user_and_the_bot_goes_on(
    api: FakeBotApi, bot: App, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(question: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "ask", broken)
    api.message(112, OTTER_Q)
    sorry = await api.wait_for(lambda calls: api.sent(chat_id=112))
    assert "something went wrong" in sorry[0].plain
    monkeypatch.undo()
    assert "rocks" in (await ask(api, 112, OTTER_Q)).plain


async def test_200_questions_from_50_chats_in_a_burst_are_all_answered(
    api: FakeBotApi, bot: App
) -> None:
    questions = [
        OTTER_Q,
        "Where is Mount Etna?",
        "What temperature can lava reach?",
        "Who had fish and chips?",
    ]
    asked = {api.message(1000 + i % 50, questions[i % 4])["message_id"] for i in range(200)}

    def all_replied(calls: list[Sent]) -> set[int | None] | None:
        replied = {reply_to(c) for c in calls if c.method == "sendMessage"}
        return replied if asked <= replied else None

    await api.wait_for(all_replied, timeout=60)
    answers = api.sent()
    assert len(answers) == 200
    assert len({c.chat_id for c in answers}) == 50
    assert all("something went wrong" not in c.plain for c in answers)


async def test_an_article_added_from_a_server_file_is_cited_by_its_file_name(
    api: FakeBotApi, bot: App, engine: Engine, tmp_path: Path
) -> None:
    drafts = tmp_path / "home" / "admin" / "drafts"
    drafts.mkdir(parents=True)
    (drafts / "lemurs.txt").write_text(
        "Lemurs\n\nRing-tailed lemurs live only on the island of Madagascar. They sunbathe "
        "in the morning with their arms spread wide."
    )
    assert [o.status for o in await engine.add_source(str(drafts), "shell")] == ["added"]
    reply = await ask(api, 120, "Where do ring-tailed lemurs live?")
    sources = await ask(api, 120, "/sources")
    for sent in (reply, sources):
        assert "lemurs.txt" in sent.plain
        assert str(tmp_path) not in sent.text
        assert "/admin/" not in sent.text


async def test_a_javascript_url_never_becomes_a_link(
    api: FakeBotApi, bot: App, engine: Engine
) -> None:
    record = {
        "title": "Giraffes",
        "url": "javascript:alert(document.cookie)",
        "text": "Giraffes sleep for less than two hours a day, often standing up.",
    }
    await engine.add_bytes("giraffes.jsonl", json.dumps(record).encode(), "test")
    reply = await ask(api, 121, "How long do giraffes sleep?")
    sources = await ask(api, 121, "/sources")
    for sent in (reply, sources):
        assert "Giraffes" in sent.plain
        assert "javascript" not in sent.text
        assert "<a " not in sent.text


async def test_more_on_a_declined_answer_shows_each_quotes_article(
    api: FakeBotApi, bot: App, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    otters, volcanoes = 1, 3  # the ids of ARTICLES[0] and ARTICLES[2]
    declined = Answer(
        "What do otters eat?",
        False,
        0.2,
        None,
        (),
        (Source(1, otters, "Sea otters", "https://example.org/otters", None),),
        more=(
            Quote("Sea otters use rocks as tools.", 0, otters, 1, 0, 0.4),
            Quote("Volcanoes erupt when magma rises.", 0, volcanoes, 3, 0, 0.3),
        ),
    )

    async def decline(question: str) -> Answer:
        return declined

    monkeypatch.setattr(engine, "ask", decline)
    reply = await ask(api, 122, declined.question)
    assert reply.plain.startswith("I couldn't find that")
    message = {**reply.result, "chat": {"id": 122, "type": "private"}}
    api.callback(message, buttons(reply)["More"], 122)
    more = await api.wait_for(
        lambda calls: [c for c in api.sent(chat_id=122) if "magma" in c.plain]
    )
    assert "[0]" not in more[0].plain
    assert "Sea otters use rocks as tools. [1]" in more[0].plain
    assert "Volcanoes erupt when magma rises. [2]" in more[0].plain
    assert more[0].plain.splitlines()[-2:] == ["[1] Sea otters", "[2] Volcanoes"]


async def test_an_unexpected_error_in_a_background_add_is_reported_to_the_admin(
    api: FakeBotApi,
    bot: App,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(name: str, data: bytes, added_by: str) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(engine, "add_bytes", broken)
    api.message(ADMIN, document=api.add_file("notes.txt", b"Notes\n\nSome notes."))
    failed = await api.wait_for(
        lambda calls: [c for c in api.sent(chat_id=ADMIN) if "Couldn't add" in c.plain]
    )
    assert failed[0].plain == "Couldn't add notes.txt: internal error (logged)"
    assert "disk is on fire" not in failed[0].plain
    logged = [r for r in caplog.records if r.exc_info and "notes.txt" in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert isinstance(logged[0].exc_info[1], RuntimeError)


async def test_the_token_is_not_in_the_logs_of_a_conversation(
    api: FakeBotApi, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await start_bot()
    assert "rocks as tools" in (await ask(api, 123, OTTER_Q)).plain
    assert caplog.records
    assert TOKEN not in caplog.text


async def test_an_answer_with_huge_quotes_takes_at_most_three_messages(
    api: FakeBotApi, bot: App, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = Source(1, 1, "Sea otters", "https://example.org/otters", None)
    quotes = tuple(Quote(f"Otter fact {i}: " + "fur " * 5000, 1, 1, 1, i, 1.0) for i in range(40))
    huge = Answer(OTTER_Q, True, 1.0, None, quotes, (source,))

    async def answer(question: str) -> Answer:
        return huge

    monkeypatch.setattr(engine, "ask", answer)
    api.message(124, OTTER_Q)
    await api.wait_for(
        lambda calls: [c for c in api.sent(chat_id=124) if c.params.get("reply_markup")]
    )
    parts = api.sent(chat_id=124)
    assert len(parts) == 3
    assert "Otter fact 0: fur fur" in parts[0].plain
    assert parts[-1].plain.endswith("…")
    assert not api.sent("sendMessage!failed")


async def test_shell_adds_and_admin_uploads_at_once_are_all_stored_and_answered(
    api: FakeBotApi, bot: App, engine: Engine, tmp_path: Path
) -> None:
    """Four ``qabot add`` processes write to the bot's database while an admin sends six
    files: every article is stored, every upload is confirmed, and the bot answers from the
    articles the shell added."""
    animals = ["ibis", "okapi", "tapir", "quokka"]
    for name in animals:
        (tmp_path / f"{name}.txt").write_text(
            f"The {name}\n\nThe {name} of our story eats {name}berries every morning."
        )
    shell = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "--db",
            str(engine.store.path),
            "add",
            str(tmp_path / f"{name}.txt"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for name in animals
    ]
    for i in range(6):
        body = f"# Lake {i}\n\nLake number {i} freezes every winter for {i + 2} weeks.".encode()
        api.message(ADMIN, document=api.add_file(f"lake{i}.md", body))
    for process in shell:
        _, err = await process.communicate()
        assert process.returncode == 0, err.decode()
    await api.wait_for(
        lambda calls: (
            (len([c for c in calls if c.method == "sendMessage" and "Added #" in c.text]) == 6)
            or None
        ),
        timeout=60,
    )
    assert await engine.store.count_articles() == len(ARTICLES) + 6 + len(animals)
    reply = await ask(api, 130, "What does the okapi eat every morning?")
    assert "okapiberries" in reply.plain
