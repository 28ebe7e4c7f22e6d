"""The bot's own words in the language of each user's Telegram, end to end against the fake
Bot API server; the quotes stay in the article's language."""

from __future__ import annotations

import re

import pytest
import test_telegram
from botapi import FakeBotApi
from test_telegram import ADMIN, OTTER_Q, ask, buttons

from bot.engine import Engine
from bot.telegram_state import App
from index.models import Answer
from index.search.languages import chat_language

pytestmark = pytest.mark.e2e

UNKNOWN_Q = "What is the capital of Peru?"
# The fixtures of the Telegram tests, for these tests too.
engine_settings, engine = test_telegram.engine_settings, test_telegram.engine
api, start_bot, bot = test_telegram.api, test_telegram.start_bot, test_telegram.bot


async def test_a_german_users_question_gets_the_bots_words_in_german(
    api: FakeBotApi, bot: App
) -> None:
    reply = await ask(api, 301, UNKNOWN_Q, language_code="de")
    assert reply.plain.startswith("Dazu habe ich in den Artikeln nichts gefunden.")


async def test_a_german_answer_quotes_the_article_as_written_with_german_buttons(
    api: FakeBotApi, bot: App
) -> None:
    reply = await ask(api, 302, OTTER_Q, language_code="de")
    assert "rocks as tools" in reply.plain
    assert set(buttons(reply)) <= {"Mehr", "Quellen"} and "Quellen" in buttons(reply)


async def test_a_german_users_button_press_is_answered_in_german(api: FakeBotApi, bot: App) -> None:
    reply = await ask(api, 303, OTTER_Q, language_code="de")
    start = len(api.calls)
    message = {**reply.result, "chat": {"id": 303, "type": "private"}}
    api.callback(message, buttons(reply)["Quellen"], user_id=303, language_code="de")
    sources = await api.wait_sent(303, after=start)
    assert sources[0].plain.startswith("Quellen zu „")


async def test_a_german_help(api: FakeBotApi, bot: App) -> None:
    reply = await ask(api, 304, "/help", language_code="de")
    assert "Ich beantworte Fragen mit Sätzen, die ich aus 3 Artikeln zitiere" in reply.plain
    assert "/ask deine Frage" in reply.plain


async def test_a_chinese_users_not_found_and_help(api: FakeBotApi, bot: App) -> None:
    reply = await ask(api, 305, UNKNOWN_Q, language_code="zh-hans")
    assert reply.plain.startswith("我在文章中没有找到这个。")
    help_reply = await ask(api, 305, "/help", language_code="zh-hans")
    assert help_reply.plain.startswith("我用从 3 篇文章中引用的句子回答问题")


async def test_an_arabic_users_not_found_and_help(api: FakeBotApi, bot: App) -> None:
    reply = await ask(api, 306, UNKNOWN_Q, language_code="ar")
    assert reply.plain.startswith("لم أجد ذلك في المقالات.")
    help_reply = await ask(api, 306, "/help", language_code="ar")
    assert help_reply.plain.startswith("أجيب عن الأسئلة بجمل مقتبسة من 3 مقالات")
    # each line begins with Arabic, so Telegram sets it right to left, commands included
    assert "يعيد الأمر /sources" in help_reply.plain


async def test_a_language_without_a_catalog_falls_back_to_its_base_then_english(
    api: FakeBotApi, bot: App
) -> None:
    reply = await ask(api, 307, UNKNOWN_Q, language_code="pt-br")
    assert reply.plain.startswith("I couldn't find that in the articles.")
    austrian = await ask(api, 308, UNKNOWN_Q, language_code="de-at")
    assert austrian.plain.startswith("Dazu habe ich")


async def test_a_user_without_a_language_gets_english(api: FakeBotApi, bot: App) -> None:
    reply = await ask(api, 309, UNKNOWN_Q)
    assert reply.plain.startswith("I couldn't find that in the articles.")


async def test_a_russian_admin_is_told_of_an_add_in_russian_with_its_plural(
    api: FakeBotApi, bot: App
) -> None:
    reply = await ask(
        api,
        ADMIN,
        "/add Чай\n\nЗелёный чай делают из неферментированных листьев.",
        language_code="ru",
    )
    assert reply.plain.startswith("Добавлено #4: Чай (1 фрагмент)")


async def test_a_refusal_in_the_users_language(api: FakeBotApi, bot: App) -> None:
    reply = await ask(api, 310, "/stats", language_code="es")
    assert reply.plain.startswith("Lo siento, solo los administradores del bot pueden hacer eso.")


async def test_the_command_menu_is_registered_in_each_language(api: FakeBotApi, bot: App) -> None:
    menus = {c.params.get("language_code"): c.params["commands"] for c in api.sent("setMyCommands")}
    assert set(menus) == {None, "es", "de", "ru", "ar", "zh"}
    german = {c["command"]: c["description"] for c in menus["de"]}
    assert german["help"] == "was ich weiß und wie man fragt"


ARTICLES_IN = {
    "ru": (
        "Мост через реку закроют на ремонт\n\nСтарый мост через реку будет закрыт для "
        "движения со второго июня до конца августа. Ремонт обойдётся в 1,8 миллиона евро. "
        "Автобусы поедут в объезд по кольцевой дороге.",
        "Сколько стоит ремонт моста?",
        "1,8 миллиона евро",
        ("Добавлено #", "Источники"),
    ),
    "zh": (
        "图书馆重新开放\n\n市图书馆在周一重新开放。翻修花费了四百二十万欧元。"
        "图书馆现在有三十五名员工。",
        "翻修花费了多少钱？",
        "四百二十万欧元",
        ("已添加 #", "来源"),
    ),
    "ar": (
        "إعادة افتتاح المكتبة\n\nأعيد افتتاح مكتبة المدينة يوم الاثنين بعد تجديد كلّف "
        "أربعة ملايين يورو. يعمل في المكتبة الآن خمسة وثلاثون موظفًا.",
        "كم كلّف تجديد المكتبة؟",
        "أربعة ملايين يورو",
        ("أُضيف #", "المصادر"),
    ),
}


@pytest.mark.parametrize("language", sorted(ARTICLES_IN))
async def test_an_article_added_in_telegram_is_quoted_as_written_with_the_bots_words_translated(
    api: FakeBotApi, bot: App, language: str
) -> None:
    text, question, fact, (added_prefix, sources_button) = ARTICLES_IN[language]
    added = await ask(api, ADMIN, f"/add {text}", language_code=language)
    assert added.plain.startswith(added_prefix)
    reply = await ask(api, 320, question, language_code=language)
    assert fact in reply.plain
    assert re.search(r"\[\d\]", reply.plain)  # cited
    assert sources_button in buttons(reply)
    for english in ("I couldn't find", "I'm not sure", "Maybe related"):
        assert english not in reply.plain


async def test_the_askers_language_is_the_fallback_for_a_short_question(
    api: FakeBotApi, bot: App, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[str | None] = []
    ask_engine = engine.ask

    async def spy(question: str) -> Answer:
        heard.append(chat_language())
        return await ask_engine(question)

    monkeypatch.setattr(engine, "ask", spy)
    await ask(api, 330, "Brücke?", language_code="de")
    await ask(api, 331, "Otters?")
    assert heard == ["de", None]
