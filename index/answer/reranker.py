"""A cross-encoder that reads a question and a sentence together: does the sentence answer it?

The model is all-MiniLM-L6-v2 fine-tuned with one logit by ``python -m bench.train_reranker``,
exported to ONNX and quantized to int8. Its folder holds three files, written together by that
script and checked together here:

- ``model.onnx``: inputs ``input_ids``, ``attention_mask`` (and ``token_type_ids``), one
  logit per pair;
- ``tokenizer.json``: the base model's own tokenizer, read by the ``tokenizers`` library
  (``pair_tokenizer`` sets it up the one way training and answering both use);
- ``provenance.json``: where the weights, the data and the code came from, the token limit the
  model was trained with, and the SHA-256 of the other two files, so a half-copied or
  swapped folder is refused at load instead of giving wrong scores at answer time.

At answer time only ONNX Runtime runs it, on one thread (on a 2-core machine with another
busy process, more threads wait for each other), never torch; it and ``tokenizers`` are
imported on first load, so importing this module is cheap and works without them.

Training and answering must put a pair into tokens the same way: ``pair_text`` and
``context_of`` are the one definition both use.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from corpus.errors import QabotError
from index.answer.cpu import precise_int8

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer

FORMAT = "qabot-reranker/1"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
PROVENANCE_FILE = "provenance.json"
FILES = (MODEL_FILE, TOKENIZER_FILE, PROVENANCE_FILE)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
REQUIRED_INPUTS = ("input_ids", "attention_mask")
HOW_TO_GET = (
    "train one with `python -m bench.train_reranker --out DIR` (see its --help), "
    "then point qabot at DIR"
)
SEPARATOR = " | "


class RerankerError(QabotError):
    """The reranker could not be loaded; the message says what to do."""


class RerankerUnavailable(RerankerError):
    """A package the reranker runs on (onnxruntime, tokenizers) is not installed."""

    def __init__(self, missing: str) -> None:
        super().__init__(f"the reranker needs the package {missing!r}: pip install {missing}")


class RerankerFileError(RerankerError):
    """One of the model folder's files is missing or unusable; ``path`` names it."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"reranker {path}: {problem}; {HOW_TO_GET}")
        self.path = path


class RerankerMissing(RerankerFileError):
    """A file of the model folder is not there."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "not found")


class RerankerCorrupt(RerankerFileError):
    """A file of the model folder is there but cannot be read or does not match the others."""


def context_of(title: str | None, previous: str | None) -> str:
    """What situates a sentence: its article's title and the sentence before it.

    A sentence such as "He died there in 1850." answers nothing alone; its title and the
    sentence before it say who and where.
    """
    return ": ".join(part.strip() for part in (title or "", previous or "") if part.strip())


def pair_text(sentence: str, context: str | None) -> str:
    """The pair's second segment: the sentence first, its context after.

    The tokenizer cuts a long pair from the end, so the context is what gets cut and the
    sentence itself is kept whole whenever it fits.
    """
    sentence = sentence.strip()
    if context and context.strip():
        return f"{sentence}{SEPARATOR}{context.strip()}"
    return sentence


@dataclass(frozen=True, slots=True)
class Provenance:
    """The parts of ``provenance.json`` that loading relies on; ``record`` is all of it."""

    max_tokens: int
    sha256: dict[str, str]
    record: dict[str, Any]


def sha256_of(path: Path) -> str:
    """The file's SHA-256 in hex, read in chunks (the model is tens of megabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_provenance(folder: Path) -> Provenance:
    """Read and check ``provenance.json``: the format, the token limit and the files' hashes."""
    path = folder / PROVENANCE_FILE
    if not path.is_file():
        raise RerankerMissing(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RerankerCorrupt(path, f"not readable JSON ({e})") from e
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise RerankerCorrupt(path, f"not a qabot reranker record (expected format {FORMAT!r})")
    max_tokens = record.get("max_tokens")
    if not isinstance(max_tokens, int) or not 8 <= max_tokens <= 512:
        raise RerankerCorrupt(path, f"max_tokens must be a whole number 8-512, not {max_tokens!r}")
    files = record.get("files")
    hashes: dict[str, str] = {}
    for name in (MODEL_FILE, TOKENIZER_FILE):
        entry = files.get(name) if isinstance(files, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(digest, str):
            raise RerankerCorrupt(path, f"no sha256 recorded for {name}")
        hashes[name] = digest
    return Provenance(max_tokens, hashes, record)


def _check_files(folder: Path, provenance: Provenance) -> None:
    """Each file is there and is the one the provenance describes (not a stale or cut copy)."""
    for name, expected in provenance.sha256.items():
        path = folder / name
        if not path.is_file():
            raise RerankerMissing(path)
        actual = sha256_of(path)
        if actual != expected:
            raise RerankerCorrupt(
                path,
                f"its SHA-256 {actual[:12]}… is not the {expected[:12]}… that "
                f"{PROVENANCE_FILE} records (a partial copy, or files from two different runs)",
            )


def _module(name: str) -> Any:
    """Import an optional package on first use, or say how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise RerankerUnavailable(name) from e


class UnsupportedTokenizer(ValueError):
    """The tokenizer file is readable but not a BERT WordPiece tokenizer with its special tokens."""


def pair_tokenizer(path: Path, max_tokens: int) -> Tokenizer:
    """The ``tokenizers`` tokenizer of ``path``, set up as the model reads a pair.

    The file gives the text's normalizing (BERT's: lowercased, accents stripped), its split
    into words and the WordPiece vocabulary; the pair's layout is set here, as the model was
    trained with it, whatever else the file says: ``[CLS] question [SEP] second [SEP]``
    (type ids 0 up to the first ``[SEP]``, 1 after), cut longest-first to ``max_tokens``
    (tokens come off the end of whichever side is the longer at the time), and a batch is
    padded to its longest pair with ``[PAD]`` (attention mask 0, type id 0; ``encode_pairs``).
    A special token typed in a text ("[SEP]") is read as text, not as the token. Raises
    ``UnsupportedTokenizer`` for a file of another kind, and the library's ``Exception`` for
    an unreadable one.
    """
    tokenizers = _module("tokenizers")
    tokenizer: Tokenizer = tokenizers.Tokenizer.from_file(str(path))
    if not isinstance(tokenizer.model, tokenizers.models.WordPiece):
        kind = type(tokenizer.model).__name__
        raise UnsupportedTokenizer(f"a {kind} tokenizer, not BERT's WordPiece")
    ids = {token: tokenizer.token_to_id(token) for token in ("[CLS]", "[SEP]", "[PAD]")}
    missing = [token for token, i in ids.items() if i is None]
    if missing:
        raise UnsupportedTokenizer(f"the vocabulary lacks {missing}")
    tokenizer.post_processor = tokenizers.processors.BertProcessing(
        ("[SEP]", ids["[SEP]"]), ("[CLS]", ids["[CLS]"])
    )
    tokenizer.enable_truncation(max_tokens, stride=0, strategy="longest_first", direction="right")
    tokenizer.enable_padding(pad_id=ids["[PAD]"], pad_type_id=0, pad_token="[PAD]")
    tokenizer.encode_special_tokens = True
    return tokenizer


def encode_pairs(tokenizer: Tokenizer, pairs: Sequence[tuple[str, str]]) -> list[Encoding]:
    """A batch of (question, second) pairs as the model reads them, each padded to the
    longest with the padding ``pair_tokenizer`` set (the same as ``encode_batch`` gives).

    Pair by pair in this thread: ``encode_batch`` hands the pairs to the library's thread
    pool, and waiting for it took longer than the encoding itself on a busy 2-core machine
    (one question's 7 pairs: 5.4 ms against 2.3 at p50, ``docs/benchmarks.md``).
    """
    padding = tokenizer.padding
    if padding is None:
        raise ValueError("the tokenizer has no padding set: make it with pair_tokenizer")
    encodings = [tokenizer.encode(first, second) for first, second in pairs]
    longest = max((len(e.ids) for e in encodings), default=0)
    for e in encodings:
        e.pad(
            longest,
            direction=padding["direction"],
            pad_id=padding["pad_id"],
            pad_type_id=padding["pad_type_id"],
            pad_token=padding["pad_token"],
        )
    return encodings


def _tokenizer(path: Path, max_tokens: int) -> Tokenizer:
    """The pair tokenizer, or the reason the file cannot be one."""
    try:
        return pair_tokenizer(path, max_tokens)
    except RerankerUnavailable:
        raise
    except Exception as e:  # tokenizers raises a bare Exception for an unreadable file
        raise RerankerCorrupt(path, f"not a BERT WordPiece tokenizer file ({e})") from e


def _session(path: Path, threads: int, precise: bool) -> Any:
    """An ONNX Runtime session on the CPU with ``threads`` threads, its inputs checked;
    ``precise`` multiplies int8 without saturating (``index.answer.cpu``)."""
    ort = _module("onnxruntime")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if precise:
        options.add_session_config_entry("session.x64quantprecision", "1")
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime's own exception types are not importable stably
        raise RerankerCorrupt(path, f"not a loadable ONNX model ({e})") from e
    names = [i.name for i in session.get_inputs()]
    unknown = [n for n in names if n not in INPUTS]
    absent = [n for n in REQUIRED_INPUTS if n not in names]
    if unknown or absent:
        raise RerankerCorrupt(path, f"inputs {names} are not a cross-encoder's {list(INPUTS)}")
    return session


class Reranker:
    """Scores sentences against a question with the fine-tuned cross-encoder.

    Build it with ``Reranker.load(folder)``, which checks every file before the first
    question; ``scores`` gives one logit per sentence (higher: more likely it answers).

    The int8 graph quantizes its activations with one scale per run, so a sentence's logit
    moves a little with the batch it shares (by 0.07 at most in a smoke-test model). Batches
    are made the same way for the same sentences (a stable sort by length), so the same
    question and candidates always give the same scores.
    """

    BATCH = 16  # pairs per run; like-length pairs are batched together, so padding stays small

    def __init__(
        self, session: Any, tokenizer: Tokenizer, provenance: Provenance, batch: int = BATCH
    ) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.provenance = provenance
        self.batch = max(1, batch)
        self.inputs = tuple(i.name for i in session.get_inputs())

    @classmethod
    def load(
        cls,
        folder: Path | str,
        threads: int = 1,
        batch: int = BATCH,
        precise: bool | None = None,
    ) -> Reranker:
        """Load and check a model folder; raise a ``RerankerError`` saying what is wrong.

        ``precise`` (by default: where this CPU needs it, ``index.answer.cpu``) runs the int8
        products in ONNX Runtime's exact, slower mode.

        Checked here, not at the first question: the folder and its three files, the
        provenance's format and hashes, that the tokenizer and the graph load, and that the
        graph gives one number per pair.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise RerankerMissing(folder)
        for name in FILES:
            if not (folder / name).is_file():
                raise RerankerMissing(folder / name)
        provenance = read_provenance(folder)
        _check_files(folder, provenance)
        tokenizer = _tokenizer(folder / TOKENIZER_FILE, provenance.max_tokens)
        exact = precise_int8() if precise is None else precise
        session = _session(folder / MODEL_FILE, threads, exact)
        reranker = cls(session, tokenizer, provenance, batch)
        reranker._probe(folder / MODEL_FILE)
        return reranker

    @property
    def max_tokens(self) -> int:
        return self.provenance.max_tokens

    def scores(
        self,
        question: str,
        sentences: Sequence[str],
        contexts: Sequence[str | None] | None = None,
    ) -> NDArray[np.float32]:
        """One logit per sentence, in the sentences' order.

        ``contexts`` (one per sentence, e.g. ``context_of(title, previous_sentence)``) is read
        after each sentence, as in training; without it the model sees the sentence alone.
        """
        if contexts is not None and len(contexts) != len(sentences):
            raise ValueError(f"{len(contexts)} contexts for {len(sentences)} sentences")
        seconds = [
            pair_text(s, None if contexts is None else contexts[i]) for i, s in enumerate(sentences)
        ]
        out = np.zeros(len(seconds), dtype=np.float32)
        order = sorted(range(len(seconds)), key=lambda i: len(seconds[i]))
        for start in range(0, len(order), self.batch):
            chunk = order[start : start + self.batch]
            out[chunk] = self._run(question, [seconds[i] for i in chunk])
        return out

    def _run(self, question: str, seconds: list[str]) -> NDArray[np.float32]:
        """The logits of one batch of pairs sharing the question."""
        feed = self._feed(question, seconds)
        logits = np.asarray(self.session.run(None, feed)[0], dtype=np.float32)
        return logits.reshape(len(seconds), -1)[:, 0]

    def _feed(self, question: str, seconds: list[str]) -> dict[str, NDArray[np.int64]]:
        """The graph's inputs for the pairs (question, second), padded to the longest."""
        encodings = encode_pairs(self.tokenizer, [(question, s) for s in seconds])
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        return {name: np.array(columns[name], dtype=np.int64) for name in self.inputs}

    def _probe(self, path: Path) -> None:
        """Run two pairs once, so a graph that is no one-logit cross-encoder fails at load."""
        try:
            raw = np.asarray(self.session.run(None, self._feed("a question", ["a", "b c"]))[0])
        except Exception as e:
            raise RerankerCorrupt(path, f"the graph does not run on a pair ({e})") from e
        if raw.size != 2 or not np.all(np.isfinite(raw)):
            raise RerankerCorrupt(
                path, f"the graph gives shape {list(raw.shape)} for 2 pairs, not one logit each"
            )
