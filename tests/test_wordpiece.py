"""Our WordPiece tokenizer reads the reranker's tokenizer.json as ``tokenizers`` does."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from bot.evaluation.command import load_jsonl, load_questions
from index.answer.answerer import MODEL
from index.answer.reranker import TOKENIZER_FILE
from index.answer.wordpiece import WordPiece, normalize, pre_tokenize, truncate

FILE = MODEL / TOKENIZER_FILE
NATURAL = Path(__file__).parent / "fixtures" / "natural"
ODD = [
    "Café Müller's naïve «quotes» — dashes… and 東京 tower!",
    "C++/C# & R: 3.5%, $1,000; e-mail@example.org (see p. 4)",
    "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ and\u00a0no-break\tspace\u200bzero-width",
    "São Paulo, Łódź, İstanbul and ǅemal " + "x" * 120,
    "",
]


def _texts() -> list[str]:
    lines = [line for p in sorted(NATURAL.glob("*.md")) for line in p.read_text().splitlines()]
    return [line for line in lines if line.strip()] + ODD


def test_accents_are_stripped_and_text_lowercased() -> None:
    assert normalize("Élodie in ŁÓDŹ") == "elodie in łodz"


def test_chinese_characters_stand_alone() -> None:
    assert pre_tokenize(normalize("in 東京")) == ["in", "東", "京"]


def test_every_punctuation_character_is_a_word() -> None:
    assert pre_tokenize("it's 3.5%!") == ["it", "'", "s", "3", ".", "5", "%", "!"]


def test_truncation_cuts_the_longer_sequence_first() -> None:
    a, b = truncate(list(range(3)), list(range(10)), 8)
    assert (len(a), len(b)) == (3, 5)


def test_truncation_splits_evenly_when_both_are_long() -> None:
    a, b = truncate(list(range(10)), list(range(10)), 7)
    assert (len(a), len(b)) == (3, 4)


def test_an_unknown_word_is_one_unknown_token() -> None:
    tokenizer = WordPiece.from_file(FILE, 64)
    assert tokenizer.tokens("ꙮꙮ") == (tokenizer.unk,)


@pytest.mark.parametrize("max_tokens", [64, 20, 9])
def test_pairs_encode_exactly_as_tokenizers_does(max_tokens: int) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    reference = tokenizers.Tokenizer.from_file(str(FILE))
    reference.enable_truncation(max_tokens)
    reference.enable_padding()
    ours = WordPiece.from_file(FILE, max_tokens)
    texts, rng = _texts(), random.Random(max_tokens)
    for _ in range(300):
        batch = [(rng.choice(texts), rng.choice(texts)) for _ in range(rng.randint(1, 4))]
        expected = [(e.ids, e.attention_mask, e.type_ids) for e in reference.encode_batch(batch)]
        got = [(e.ids, e.attention_mask, e.type_ids) for e in ours.encode_batch(batch)]
        assert got == expected, batch


SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"


@pytest.mark.eval
def test_squad_pairs_encode_exactly_as_tokenizers_does() -> None:
    """20,000 question/sentence pairs of ../shared/eval, as the reranker reads them."""
    tokenizers = pytest.importorskip("tokenizers")
    if not (SHARED / "squad-train.articles.jsonl").exists():
        pytest.skip("../shared/eval is absent")
    articles = load_jsonl(SHARED / "squad-train.articles.jsonl")
    questions = [q.question for q in load_questions(SHARED / "squad-train.questions.jsonl")]
    rng = random.Random(1)
    texts = [str(a["text"]) for a in rng.sample(articles, 120)]
    sentences = [s for text in texts for s in re.split(r"(?<=[.!?])\s+", text)]
    reference = tokenizers.Tokenizer.from_file(str(FILE))
    reference.enable_truncation(64)
    ours = WordPiece.from_file(FILE, 64)
    for _ in range(20_000):
        question, sentence = rng.choice(questions), rng.choice(sentences)
        assert reference.encode(question, sentence).ids == ours.encode(question, sentence).ids
