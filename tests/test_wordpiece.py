"""The reranker's pair tokenizer reads pairs as the model was trained to, and as before.

``index.answer.reranker.pair_tokenizer`` has the ``tokenizers`` library read the model's
``tokenizer.json`` and sets the pair's layout. It replaced qabot's own plain-Python WordPiece
reader (``index/answer/wordpiece.py``, last changed in commit 85b7933, removed after it), which
had been checked against ``tokenizers`` on the same pairs as here. Two checks stand for it:

- the layout, written out below (``expected``) from the library's tokens of each text alone:
  ``[CLS] question [SEP] second [SEP]``, type ids 0 up to the first ``[SEP]`` and 1 after,
  longest-first truncation to ``max_tokens``, a batch padded to its longest pair with
  ``[PAD]`` (attention mask 0, type id 0). So the pair set-up is checked apart from the
  library's own pair code;
- the ids themselves: on 20,000 SQuAD question/sentence pairs, batched 16 at a time as the
  reranker batches them, the SHA-256 of every batch's ids, masks and type ids is the one the
  old reader gave (``OLD_READER_SQUAD_SHA256``, computed with it before it was removed). The
  same ids give the same logits: the model reads exactly what it read before.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from tokenizers import Tokenizer

from bot.evaluation.command import load_jsonl, load_questions
from index.answer.answerer import MODEL
from index.answer.reranker import TOKENIZER_FILE, encode_pairs, pair_tokenizer

FILE = MODEL / TOKENIZER_FILE
NATURAL = Path(__file__).parent / "fixtures" / "natural"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
ODD = [
    "Café Müller's naïve «quotes» — dashes… and 東京 tower!",
    "C++/C# & R: 3.5%, $1,000; e-mail@example.org (see p. 4)",
    "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ and\u00a0no-break\tspace\u200bzero-width",
    "São Paulo, Łódź, İstanbul and ǅemal " + "x" * 120,
    "typed special tokens: [CLS] [SEP] [PAD] [MASK] [UNK]",
    "",
]
# The old reader's encoding of the 20,000 pairs of ``squad_pairs()`` in batches of 16
# (``digest``), computed with index/answer/wordpiece.py as of commit 85b7933.
OLD_READER_SQUAD_SHA256 = "ba91d7bcf74f75d2548436a80af55b9d1a76afa9a74a2d716371c437e161b73b"

Row = tuple[list[int], list[int], list[int]]  # ids, attention mask, type ids


@pytest.fixture(scope="module")
def plain() -> Tokenizer:
    """The same file read with no pair set-up: each text's own word pieces, uncut."""
    tokenizer = Tokenizer.from_file(str(FILE))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    tokenizer.encode_special_tokens = True
    return tokenizer


def pieces(tokenizer: Tokenizer, text: str) -> list[str]:
    return list(tokenizer.encode(text, add_special_tokens=False).tokens)


def special(tokenizer: Tokenizer, token: str) -> int:
    found = tokenizer.token_to_id(token)
    assert found is not None, token
    return found


def longest_first(n1: int, n2: int, room: int) -> tuple[int, int]:
    """How many tokens each side keeps: the longer side is cut to what the shorter leaves
    (never below the shorter's length); if both still overflow, each gets half the room,
    the longer one the odd token (the second one on a tie)."""
    if n1 + n2 <= room:
        return n1, n2
    short, long = min(n1, n2), max(n1, n2)
    long = max(short, room - short)
    if short + long > room:
        short = room // 2
        long = short + room % 2
    return (long, short) if n1 > n2 else (short, long)


def expected(plain: Tokenizer, pairs: Sequence[tuple[str, str]], max_tokens: int) -> list[Row]:
    """The model's inputs for a batch of pairs, built by hand from each text's pieces."""
    cls, sep, pad = (special(plain, t) for t in ("[CLS]", "[SEP]", "[PAD]"))
    rows = []
    for first, second in pairs:
        a = plain.encode(first, add_special_tokens=False).ids
        b = plain.encode(second, add_special_tokens=False).ids
        n1, n2 = longest_first(len(a), len(b), max_tokens - 3)
        ids = [cls, *a[:n1], sep, *b[:n2], sep]
        rows.append((ids, [0] * (n1 + 2) + [1] * (n2 + 1)))
    longest = max(len(ids) for ids, _ in rows)
    return [
        (
            ids + [pad] * (longest - len(ids)),
            [1] * len(ids) + [0] * (longest - len(ids)),
            types + [0] * (longest - len(ids)),
        )
        for ids, types in rows
    ]


def encoded(tokenizer: Tokenizer, pairs: Sequence[tuple[str, str]]) -> list[Row]:
    """A batch as the reranker (and its training) feeds it to the model."""
    return [(e.ids, e.attention_mask, e.type_ids) for e in encode_pairs(tokenizer, pairs)]


def _texts() -> list[str]:
    lines = [line for p in sorted(NATURAL.glob("*.md")) for line in p.read_text().splitlines()]
    return [line for line in lines if line.strip()] + ODD


def test_accents_are_stripped_and_text_lowercased(plain: Tokenizer) -> None:
    assert pieces(plain, "Élodie in ŁÓDŹ") == pieces(plain, "elodie in łodz")


def test_chinese_characters_stand_alone(plain: Tokenizer) -> None:
    assert pieces(plain, "in 東京") == ["in", "東", "京"]


def test_every_punctuation_character_is_a_word(plain: Tokenizer) -> None:
    assert pieces(plain, "it's 3.5%!") == ["it", "'", "s", "3", ".", "5", "%", "!"]


def test_an_unknown_word_is_one_unknown_token(plain: Tokenizer) -> None:
    assert pieces(plain, "ꙮꙮ") == ["[UNK]"]


def test_truncation_cuts_the_longer_sequence_first() -> None:
    assert longest_first(3, 10, 8) == (3, 5)
    assert longest_first(10, 3, 8) == (5, 3)


def test_truncation_splits_evenly_when_both_are_long() -> None:
    assert longest_first(10, 10, 7) == (3, 4)
    assert longest_first(12, 10, 7) == (4, 3)


def test_a_typed_special_token_is_read_as_text() -> None:
    tokenizer = pair_tokenizer(FILE, 64)
    tokens = tokenizer.encode("who said [SEP]?", "[CLS] it").tokens
    first = ["who", "said", "[", "sep", "]", "?"]
    assert tokens == ["[CLS]", *first, "[SEP]", "[", "cl", "##s", "]", "it", "[SEP]"]


def test_the_layout_is_the_reranker_s_whatever_the_file_says(tmp_path: Path) -> None:
    """A file without a pair template (or with another) still gives [CLS] A [SEP] B [SEP]."""
    data: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
    data["post_processor"] = None
    data["truncation"] = None
    data["padding"] = None
    (tmp_path / TOKENIZER_FILE).write_text(json.dumps(data), encoding="utf-8")
    pairs = [("a question", "a sentence"), ("another, longer question?", "one")]
    assert encoded(pair_tokenizer(tmp_path / TOKENIZER_FILE, 9), pairs) == encoded(
        pair_tokenizer(FILE, 9), pairs
    )


@pytest.mark.parametrize("max_tokens", [64, 20, 9])
def test_pairs_are_laid_out_cut_and_padded_as_the_model_reads_them(
    plain: Tokenizer, max_tokens: int
) -> None:
    tokenizer = pair_tokenizer(FILE, max_tokens)
    texts, rng = _texts(), random.Random(max_tokens)
    for _ in range(300):
        batch = [(rng.choice(texts), rng.choice(texts)) for _ in range(rng.randint(1, 4))]
        assert encoded(tokenizer, batch) == expected(plain, batch, max_tokens), batch
        library = [(e.ids, e.attention_mask, e.type_ids) for e in tokenizer.encode_batch(batch)]
        assert library == expected(plain, batch, max_tokens), batch


def test_an_empty_batch_is_empty() -> None:
    assert encode_pairs(pair_tokenizer(FILE, 64), []) == []


def squad_pairs() -> list[tuple[str, str]]:
    """20,000 question/sentence pairs of ../shared/eval, drawn as the old reader's test drew
    them (the digest above depends on it)."""
    articles = load_jsonl(SHARED / "squad-train.articles.jsonl")
    questions = [q.question for q in load_questions(SHARED / "squad-train.questions.jsonl")]
    rng = random.Random(1)
    texts = [str(a["text"]) for a in rng.sample(articles, 120)]
    sentences = [s for text in texts for s in re.split(r"(?<=[.!?])\s+", text)]
    return [(rng.choice(questions), rng.choice(sentences)) for _ in range(20_000)]


def digest(batches: Sequence[list[Row]]) -> str:
    h = hashlib.sha256()
    for batch in batches:
        h.update(json.dumps([list(row) for row in batch]).encode())
    return h.hexdigest()


@pytest.mark.eval
def test_squad_pairs_encode_exactly_as_the_old_reader_did(plain: Tokenizer) -> None:
    """20,000 question/sentence pairs of ../shared/eval, batched as the reranker batches."""
    if not (SHARED / "squad-train.articles.jsonl").exists():
        pytest.skip("../shared/eval is absent")
    pairs = squad_pairs()
    tokenizer = pair_tokenizer(FILE, 64)
    batches = [encoded(tokenizer, pairs[i : i + 16]) for i in range(0, len(pairs), 16)]
    for i, batch in enumerate(batches):
        chunk = pairs[i * 16 : i * 16 + 16]
        assert batch == expected(plain, chunk, 64), chunk
    assert digest(batches) == OLD_READER_SQUAD_SHA256
