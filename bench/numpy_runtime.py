"""Could numpy alone run the reranker in time? One question's reads, timed two ways.

ONNX Runtime is most of what the reranker adds to an install (``docs/benchmarks.md``,
"Install size"). Running the model in numpy instead (float32, the int8 weights unpacked at
load) would leave only the model. This times, on one thread, what decides it: the shipped
int8 model on one question's reads (``--pairs`` pairs of ``--tokens`` tokens) in ONNX Runtime,
and one float32 product of that batch by a 384 x 1536 weight in numpy. A pass through
MiniLM-L6's six layers costs 18 such products (per layer: query, key and value 0.75, output
0.25, the two feed-forward products 1 each), so 18 times it is a floor for numpy, before
attention, softmax and layer norms. Prints JSON.

    python -m bench.numpy_runtime [--pairs 7] [--tokens 64]
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads its BLAS: one thread, as served
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from index.answer.answerer import MODEL
from index.answer.reranker import Reranker

HIDDEN, FEED_FORWARD, LAYERS = 384, 1536, 6
PRODUCTS_PER_LAYER = 3  # (3 x 384 + 384 + 1536 + 1536) / 1536 of the widest product


def best_ms(run: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` runs after one warm-up, in milliseconds."""
    run()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def measure(pairs: int, tokens: int, repeats: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    reranker = Reranker.load(MODEL, threads=1)
    feed = {
        "input_ids": rng.integers(1000, 20000, (pairs, tokens)).astype(np.int64),
        "attention_mask": np.ones((pairs, tokens), np.int64),
        "token_type_ids": np.zeros((pairs, tokens), np.int64),
    }
    feed = {name: feed[name] for name in reranker.inputs}
    onnx_ms = best_ms(lambda: reranker.session.run(None, feed), repeats)
    x = rng.standard_normal((pairs * tokens, HIDDEN), dtype=np.float32)
    w = rng.standard_normal((HIDDEN, FEED_FORWARD), dtype=np.float32)
    product_ms = best_ms(lambda: x @ w, repeats)
    flops = 2 * pairs * tokens * HIDDEN * FEED_FORWARD
    return {
        "pairs": pairs,
        "tokens": tokens,
        "threads": 1,
        "onnxruntime_int8_ms": round(onnx_ms, 1),
        "numpy_one_product_ms": round(product_ms, 2),
        "numpy_gflops": round(flops / product_ms / 1e6, 1),
        "numpy_floor_ms": round(product_ms * PRODUCTS_PER_LAYER * LAYERS, 1),
    }


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.numpy_runtime", description=__doc__)
    p.add_argument("--pairs", type=int, default=7, help="pairs a question reads")
    p.add_argument("--tokens", type=int, default=64, help="tokens a pair")
    p.add_argument("--repeats", type=int, default=20, help="timed runs; the fastest is kept")
    args = p.parse_args()
    print(json.dumps(measure(args.pairs, args.tokens, args.repeats), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
