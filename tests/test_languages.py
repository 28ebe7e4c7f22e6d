"""Articles and questions in other languages: detected, split, analyzed and searched in their
own language, English unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from corpus.formats import read_jsonl, read_text
from corpus.language import detect_article, detect_question
from corpus.models import Draft
from corpus.prepare import prepare
from corpus.schema import MIGRATIONS
from corpus.split import sentences
from corpus.store import Store
from index.answer import Answerer, AnswerSettings
from index.search import Retriever
from index.search.analyze import Analyzer
from index.search.languages import Analyzers, analyzer_for, speaking

GERMAN = (
    "Die Fähre nach Helgoland fährt jeden Morgen um acht Uhr ab. Die Überfahrt dauert "
    "etwa drei Stunden. Im Winter fährt das Schiff nur zweimal in der Woche."
)
ENGLISH = (
    "The ferry to the island leaves every morning at nine. The crossing takes about two "
    "hours. In winter the boat sails only on Sundays."
)
RUSSIAN = (
    "Новый мост через реку откроют весной. Строители работали над ним четыре года. "
    "По мосту будут ходить трамваи."
)
CHINESE = "长江是中国最长的河流。它全长约六千三百公里！你见过长江吗？"
ARABIC = "النيل أطول نهر في أفريقيا. هل زرت القاهرة؟ نعم، زرتها مرتين."


def test_an_articles_language_is_detected_from_its_text() -> None:
    found = [detect_article(t) for t in (GERMAN, ENGLISH, RUSSIAN, CHINESE, ARABIC)]
    assert found == ["de", "en", "ru", "zh", "ar"]


def test_an_added_article_is_stored_with_its_detected_language() -> None:
    assert prepare(Draft(title="Fähre", text=GERMAN)).language == "de"


def test_an_admins_language_overrides_the_detected_one() -> None:
    assert prepare(Draft(title="Ferry", text=ENGLISH, language="de")).language == "de"


def test_a_jsonl_record_and_front_matter_can_name_the_language() -> None:
    line = b'{"title": "Ferry", "text": "The ferry leaves at nine.", "language": "nl"}\n'
    [(_, draft)] = list(read_jsonl("a.jsonl", line))
    matter = read_text("a.md", b"---\nlanguage: pt-BR\n---\n# Ferry\n\nThe ferry leaves.\n")
    assert isinstance(draft, Draft)
    assert (draft.language, matter.language) == ("nl", "pt-BR")
    assert prepare(matter).language == "pt"


def test_a_questions_language_is_detected() -> None:
    asked = [
        "Wie lange dauert die Überfahrt nach Helgoland?",
        "How long does the crossing to the island take?",
        "Когда откроют новый мост через реку?",
        "长江有多长？",
        "ما هو أطول نهر في أفريقيا؟",
    ]
    assert [detect_question(q) for q in asked] == ["de", "en", "ru", "zh", "ar"]


def test_a_question_too_short_to_tell_takes_the_chats_language() -> None:
    assert detect_question("Ok?", fallback="de-AT") == "de"
    assert detect_question("2024?", fallback="ru") == "ru"


def test_chinese_sentences_end_at_their_own_stops() -> None:
    found = [s.text for s in sentences(CHINESE, "zh")]
    assert found == ["长江是中国最长的河流。", "它全长约六千三百公里！", "你见过长江吗？"]


def test_arabic_sentences_end_at_the_arabic_question_mark() -> None:
    found = [s.text for s in sentences(ARABIC, "ar")]
    assert found == ["النيل أطول نهر في أفريقيا.", "هل زرت القاهرة؟", "نعم، زرتها مرتين."]


def test_the_cjk_analyzer_makes_characters_and_bigrams_and_keeps_latin_words() -> None:
    assert analyzer_for("zh")("长江很 NFL") == ["长", "长江", "江", "江很", "很", "nfl"]


def test_a_spaced_language_is_stemmed_without_its_stopwords() -> None:
    assert analyzer_for("de")("Die Fähren fahren") == ["fahr", "fahr"]


def test_english_terms_are_those_of_the_english_analyzer() -> None:
    text = "The U.S. ferry's COVID-19 crossing cost 1,000 dollars in 2024."
    assert Analyzers()(text) == Analyzer()(text) == analyzer_for("en")(text)


async def test_a_mixed_collection_answers_each_question_from_its_own_language(
    tmp_path: Path,
) -> None:
    async with await Store.open(tmp_path / "q.db") as store:
        await store.add(prepare(Draft(title="Die Fähre", text=GERMAN)), "test")
        await store.add(prepare(Draft(title="The ferry", text=ENGLISH)), "test")
        retriever = await Retriever.open(store)
        answerer = Answerer(retriever, AnswerSettings(rerank=False, threshold=0.0))
        german = await answerer.ask("Wie lange dauert die Überfahrt mit der Fähre?")
        english = await answerer.ask("How long does the crossing on the ferry take?")
    assert german.quotes[0].text == "Die Überfahrt dauert etwa drei Stunden."
    assert english.quotes[0].text == "The crossing takes about two hours."


async def test_a_question_in_a_mixed_collection_is_searched_in_its_language(
    tmp_path: Path,
) -> None:
    async with await Store.open(tmp_path / "q.db") as store:
        await store.add(prepare(Draft(title="Die Fähre", text=GERMAN)), "test")
        await store.add(prepare(Draft(title="The ferry", text=ENGLISH)), "test")
        retriever = await Retriever.open(store)
        hits = await retriever.search("Wann fährt die Fähre nach Helgoland?", 10)
    assert {h.title for h in hits} == {"Die Fähre"}


async def test_a_one_word_question_is_searched_in_the_chats_language(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "q.db") as store:
        await store.add(prepare(Draft(title="Die Fähre", text=GERMAN)), "test")
        await store.add(prepare(Draft(title="The ferry", text=ENGLISH)), "test")
        retriever = await Retriever.open(store)
        with speaking("de"):
            german = await retriever.search("Helgoland?", 10)
        with speaking("en"):
            english = await retriever.search("Helgoland?", 10)
    assert {h.title for h in german} == {"Die Fähre"}
    assert english == []


async def test_opening_an_older_database_detects_its_articles_languages(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0] + ";" + MIGRATIONS[1] + "; PRAGMA user_version = 2;")
    old.execute(
        "INSERT INTO articles (title, text, original, added_by, added_at, content_hash)"
        " VALUES ('Fähre', ?, ?, 'test', '2024-01-01', 'h1')",
        (GERMAN, GERMAN),
    )
    old.commit()
    old.close()
    async with await Store.open(path) as store:
        assert await store.languages() == {"de": 1}
        article = await store.get(1)
    assert article is not None and article.language == "de"


def test_arabic_vowel_marks_do_not_change_a_term() -> None:
    assert analyzer_for("ar")("القَلْعَة") == analyzer_for("ar")("القلعة")


def test_a_chinese_articles_passages_are_sized_by_its_characters() -> None:
    text = "".join(f"第{i}句话讲的是长江边上一座小城的故事和那里的人们。" for i in range(60))
    prepared = prepare(Draft(title="长江", text=text))
    assert len(prepared.passages) > 5
    assert all(len(p.text) < 400 for p in prepared.passages)


def test_hindi_sentences_end_at_the_danda() -> None:
    found = [s.text for s in sentences("नदी बहुत लंबी है। पुल नया है।", "hi")]
    assert found == ["नदी बहुत लंबी है।", "पुल नया है।"]


def test_a_greek_question_ends_at_its_semicolon() -> None:
    found = [s.text for s in sentences("Πού είναι το λιμάνι; Είναι κοντά.", "el")]
    assert found == ["Πού είναι το λιμάνι;", "Είναι κοντά."]


def test_initials_and_titles_do_not_end_a_german_sentence() -> None:
    text = "Dr. Müller traf J. S. Weber am Hafen. Danach fuhren beide ab."
    found = [s.text for s in sentences(text, "de")]
    assert found == ["Dr. Müller traf J. S. Weber am Hafen.", "Danach fuhren beide ab."]
