"""BERT's WordPiece tokenizer in plain Python, read from a ``tokenizer.json`` file.

The reranker's base model (all-MiniLM-L6-v2) ships its tokenizer in the ``tokenizers``
library's JSON format. Reading that file here, instead of depending on ``tokenizers`` (which
brings ``huggingface_hub`` and its downloader along, about 33 MB), keeps the default install
small. It does what that file describes, for the one kind of tokenizer the model uses:
BERT's normalizer (clean the text, space out CJK characters, lowercase, strip accents), BERT's
pre-tokenizer (split at white space and at every punctuation character), greedy
longest-match WordPiece with ``##`` continuations, the ``[CLS] A [SEP] B [SEP]`` pair
template, and longest-first truncation. ``tests/test_wordpiece.py`` checks it against
``tokenizers`` itself on a few thousand pairs. One difference: special-token strings typed
in a question ("[SEP]") are read as text, not as the special tokens.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class UnsupportedTokenizer(ValueError):
    """The file is not a BERT WordPiece tokenizer of the kind this module reads."""


@dataclass(frozen=True, slots=True)
class Encoding:
    """One pair, in the model's inputs: token ids, attention mask, segment (type) ids."""

    ids: list[int]
    attention_mask: list[int]
    type_ids: list[int]


def _is_punctuation(ch: str) -> bool:
    """BERT's punctuation: ASCII symbols and every Unicode punctuation character."""
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Cn", "Co", "Cs")


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


# ASCII text (most of it) takes a fast path: control characters dropped, white space as is.
_ASCII_CONTROLS = {c: None for c in [*range(0, 9), 11, 12, *range(14, 32), 127]}
_ASCII_WORDS = re.compile(r"[a-z0-9]+|\S")


def normalize(text: str) -> str:
    """BERT's normalizer: drop control characters, unify white space, pad CJK characters
    with spaces, lowercase, and strip accents (decompose, drop combining marks)."""
    if text.isascii():
        return text.translate(_ASCII_CONTROLS).lower()
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_whitespace(ch):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    lowered = "".join(out).lower()
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def pre_tokenize(text: str) -> list[str]:
    """BERT's pre-tokenizer: words split at white space, each punctuation character alone."""
    if text.isascii():
        return _ASCII_WORDS.findall(text)
    words: list[str] = []
    for chunk in text.split():
        start = 0
        for i, ch in enumerate(chunk):
            if _is_punctuation(ch):
                if start < i:
                    words.append(chunk[start:i])
                words.append(ch)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


class WordPiece:
    """A pair tokenizer for the reranker: ``encode_batch`` pads a batch to its longest pair."""

    def __init__(self, vocab: dict[str, int], max_tokens: int, unk: str = "[UNK]") -> None:
        self.vocab = vocab
        self.max_tokens = max_tokens
        self.unk = vocab[unk]
        self.cls, self.sep, self.pad = vocab["[CLS]"], vocab["[SEP]"], vocab["[PAD]"]
        self.max_word = 100
        self._word = functools.lru_cache(maxsize=200_000)(self._word_ids)
        self.tokens = functools.lru_cache(maxsize=50_000)(self._tokens)  # type: ignore[method-assign]

    @classmethod
    def from_file(cls, path: Path, max_tokens: int) -> WordPiece:
        """Read a ``tokenizers`` JSON file; refuse any that is not BERT's WordPiece."""
        data = json.loads(path.read_text(encoding="utf-8"))
        _check(data)
        return cls(dict(data["model"]["vocab"]), max_tokens, data["model"]["unk_token"])

    def tokens(self, text: str) -> tuple[int, ...]:
        """The ids of a text's word pieces, without special tokens or truncation (cached:
        the same candidate sentences come back question after question)."""
        return self._tokens(text)

    def _tokens(self, text: str) -> tuple[int, ...]:
        return tuple(i for word in pre_tokenize(normalize(text)) for i in self._word(word))

    def _word_ids(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match-first pieces of one word; the whole word is [UNK] if any
        part of it cannot be matched."""
        if len(word) > self.max_word:
            return (self.unk,)
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            ids.append(found)
            start = end
        return tuple(ids)

    def encode(self, first: str, second: str) -> Encoding:
        """``[CLS] first [SEP] second [SEP]``, cut longest-first to ``max_tokens``."""
        a, b = truncate(self.tokens(first), self.tokens(second), self.max_tokens - 3)
        ids = [self.cls, *a, self.sep, *b, self.sep]
        types = [0] * (len(a) + 2) + [1] * (len(b) + 1)
        return Encoding(ids, [1] * len(ids), types)

    def encode_batch(self, pairs: Sequence[tuple[str, str]]) -> list[Encoding]:
        """Encode each pair and pad them all to the longest (pad id, mask 0, type 0)."""
        encodings = [self.encode(a, b) for a, b in pairs]
        longest = max((len(e.ids) for e in encodings), default=0)
        return [
            Encoding(
                e.ids + [self.pad] * (longest - len(e.ids)),
                e.attention_mask + [0] * (longest - len(e.ids)),
                e.type_ids + [0] * (longest - len(e.ids)),
            )
            for e in encodings
        ]


def truncate(a: Sequence[int], b: Sequence[int], room: int) -> tuple[Sequence[int], Sequence[int]]:
    """Longest-first, as ``tokenizers`` does it: the longer sequence is cut to what the
    shorter leaves (but never below the shorter's length); if they still overflow, each gets
    half the room, the longer one the odd token (the second one on a tie)."""
    n1, n2 = len(a), len(b)
    if n1 + n2 <= room:
        return a, b
    swap = n1 > n2
    if swap:
        n1, n2 = n2, n1
    n2 = max(n1, room - n1)
    if n1 + n2 > room:
        n1 = room // 2
        n2 = n1 + room % 2
    if swap:
        n1, n2 = n2, n1
    return a[:n1], b[:n2]


def _check(data: Any) -> None:
    """The file must describe BERT's lowercasing WordPiece with the usual special tokens."""
    try:
        model, normalizer = data["model"], data["normalizer"]
        kinds = (model["type"], normalizer["type"], data["pre_tokenizer"]["type"])
        vocab = model["vocab"]
    except (KeyError, TypeError) as e:
        raise UnsupportedTokenizer(f"not a tokenizers JSON file (no {e})") from e
    if kinds != ("WordPiece", "BertNormalizer", "BertPreTokenizer"):
        raise UnsupportedTokenizer(f"a {'/'.join(map(str, kinds))} tokenizer, not BERT's WordPiece")
    if not normalizer.get("lowercase") or normalizer.get("strip_accents") is False:
        raise UnsupportedTokenizer("a cased tokenizer (this reader lowercases and strips accents)")
    if model.get("continuing_subword_prefix", "##") != "##":
        raise UnsupportedTokenizer("word pieces continue with another prefix than ##")
    missing = [t for t in ("[CLS]", "[SEP]", "[PAD]", model.get("unk_token")) if t not in vocab]
    if missing:
        raise UnsupportedTokenizer(f"the vocabulary lacks {missing}")
