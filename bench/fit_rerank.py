"""Fit the reranking mode (the reranker's weight, reply and confidence) into ``answerer.json``.

    python -m bench.train_reranker --out index/answer/model ...   # first: the model
    python -m bench.fit_rerank [--top 7] [--words 55] [--abstain 0.75] [--no-whole]

The reranker never trained on the articles its ``provenance.json`` holds out. Those are
split in two, seeded: the fit uses every question of the first half (``tuned_on``, written
into ``answerer.json``), and ``qabot eval --unseen`` reports on the second half only, so
that neither the reranker nor this fit saw the articles it reports on. The lexical ranker is
kept as ``bench/fit_answerer.py`` fitted it. Fitted, as there, on the complete index and on
one with the articles of a fifth of the questions left out (they are the unanswerable ones),
and, so that declining holds in a bot with a handful of stories too, on small collections of
the same articles (``bench.small_collections``' stories: one alone, or five together, asked
the questions they answer and same-topic questions they do not; read whole, as the answerer
reads them, unless ``--no-whole`` fits for ``AnswerSettings(read_whole=False)``):

1. the weight w of the logit in score + w * logit, for the ``--top`` best lexical candidates,
   the one that puts a right sentence first most often on the complete index;
2. the reply: which runner-ups are worth their words, under ``--words`` a reply on average;
3. the confidence, over the lexical evidence, the size of the index and the logits, and the
   threshold that declines ``--abstain`` of the unanswerable questions (large and small
   collections together).

Reads ``../shared/eval``; skips cleanly when it is absent. Ranking and reading take about
ten minutes on two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import pickle
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.fit_answerer import (
    EVAL,
    LEXICAL,
    OUT,
    Record,
    collect_on,
    fit_confidence,
    fit_reply,
    rank_both,
    top_k,
)
from bench.small_collections import Story, stories_of
from bot.engine import Engine
from bot.evaluation.command import Question, holdout, load_jsonl, load_questions
from bot.evaluation.metrics import contains
from index.answer.answerer import MODEL, AnswerSettings
from index.answer.fitted import FITTED, fitted
from index.answer.ranking import READ_ALL, padded, ranker_scores, reread
from index.answer.reranker import Reranker, read_provenance

WEIGHTS = np.arange(0.0, 6.01, 0.25)
PASSAGES = AnswerSettings().passages


def split_heldout(model: Path, seed: int) -> tuple[list[str], list[str]]:
    """The reranker's held-out articles in two halves: (fitted on here, reported on)."""
    held = sorted(read_provenance(model).record["split"]["heldout_articles"])
    random.Random(seed).shuffle(held)
    half = len(held) // 2
    return sorted(held[:half]), sorted(held[half:])


async def collect_small(
    stories: list[Story], per_side: int, seed: int, whole: bool
) -> list[Record]:
    """Questions of both kinds on a collection of a few stories (``bench.small_collections``):
    those a story answers, and those of its article's other paragraphs that it does not."""
    whole = "\n".join(s.text for s in stories)
    rng = random.Random(seed)
    asked: list[Question] = []
    answerable: list[bool] = []
    for s in stories:
        nope = [q for q in s.unanswerable if not contains(whole, q.answers)]
        for rows, can in ((s.answerable, True), (nope, False)):
            picked = rng.sample(rows, min(per_side, len(rows)))
            asked += picked
            answerable += [can] * len(picked)
    with tempfile.TemporaryDirectory(prefix="qabot-fit-small-") as tmp:
        async with await Engine.open(Path(tmp) / "small.db", LEXICAL) as engine:
            for s in stories:
                await engine.add_text(s.pasted, "fit")
            return await collect_on(engine, asked, answerable, whole=whole)


async def small_collections(args: argparse.Namespace, tuned_on: list[str]) -> list[Record]:
    """Records on one-story and five-story collections of the fit's articles."""
    stories = stories_of(args.articles, args.questions, tuned_on, args.seed)
    out = []
    for i, s in enumerate(tqdm(stories, desc="one-story collections", file=sys.stderr)):
        out += await collect_small([s], args.per_side, i, not args.no_whole)
    for i in range(0, len(stories) - 4, 5):
        out += await collect_small(stories[i : i + 5], args.per_side, i, not args.no_whole)
    return out


def read_logits(
    records: list[Record],
    scores: dict[int, np.ndarray],
    reranker: Reranker,
    top: int,
    whole_up_to: int,
) -> list[np.ndarray]:
    """Each record's logits for the best lexical candidates the answerer reads with ``top``
    (``index.answer.ranking.reread``), best lexical first."""
    out = []
    for r in tqdm(records, desc="reranking", file=sys.stderr):
        best = np.argsort(-scores[id(r)], kind="stable")[: reads(r, top, whole_up_to)]
        texts, contexts = [r.texts[i] for i in best], [r.contexts[i] for i in best]
        out.append(reranker.scores(r.question, texts, contexts).astype(np.float64))
    return out


def set_logits(
    records: list[Record],
    scores: dict[int, np.ndarray],
    read: list[np.ndarray],
    top: int,
    whole_up_to: int,
) -> None:
    """Give each record the logits of the best lexical candidates the answerer reads with
    ``top``, the rest padded."""
    for r, logits in zip(records, read, strict=True):
        order = np.argsort(-scores[id(r)], kind="stable")
        r.logits = np.empty(len(r.texts))
        r.logits[order] = padded(logits[: reads(r, top, whole_up_to)].tolist(), len(r.texts))


def reads(r: Record, top: int, whole_up_to: int) -> int:
    """How many of the record's candidates the answerer's reranker reads, when it reads an
    index of at most ``whole_up_to`` passages whole (0: never)."""
    return reread(len(r.texts), r.indexed, top, whole_up_to)


def cached_logits(
    args: argparse.Namespace, records: list[Record], scores: dict[int, np.ndarray]
) -> list[np.ndarray]:
    """The logits of ``--tops``' largest N, read once per model and lexical ranker and kept
    beside ``--records`` (the ranker decides which candidates are read)."""
    model = read_provenance(args.model).sha256["model.onnx"][:16]
    ranker = hashlib.sha256(json.dumps(json.loads(FITTED.read_text())["ranker"]).encode())
    ranker_digest = ranker.hexdigest()[:16]
    most = max(args.tops)
    name = f".logits-{model}-{ranker_digest}-{most}-{0 if args.no_whole else READ_ALL}.pkl"
    path = args.records.with_suffix(name) if args.records else None
    if path is not None and path.exists():
        with open(path, "rb") as f:
            read: list[np.ndarray] = pickle.load(f)
        return read
    reranker = Reranker.load(args.model, threads=args.threads)
    read = read_logits(records, scores, reranker, most, whole_up_to(args))
    if path is not None:
        with open(path, "wb") as f:
            pickle.dump(read, f)
    return read


def whole_up_to(args: argparse.Namespace) -> int:
    """The largest index the answerer reads whole (``AnswerSettings.read_whole``)."""
    return 0 if args.no_whole else PASSAGES


def fit_weight(records: list[Record], scores: dict[int, np.ndarray]) -> tuple[float, float]:
    """The logit weight that puts a right sentence first most often, and how often it does."""
    best, weight = -1.0, 0.0
    for w in WEIGHTS:
        acc = top_k(records, {id(r): scores[id(r)] + w * r.logits for r in records}, 1)
        if acc > best + 1e-9:
            best, weight = acc, float(w)
    return weight, best


async def run(args: argparse.Namespace) -> dict[str, Any]:
    articles = load_jsonl(args.articles)
    tuned_on, reported = split_heldout(args.model, args.seed)
    questions: list[Question] = [
        q for q in load_questions(args.questions) if q.article_id in set(tuned_on)
    ]
    held = holdout(questions, tuned_on, 0.2, args.seed)
    print(
        f"fit on {len(questions)} questions of {len(tuned_on)} held-out articles"
        f" ({len(held)} of them left out of one index); {len(reported)} articles kept for"
        " reporting",
        file=sys.stderr,
    )
    if args.records and args.records.exists():
        with open(args.records, "rb") as f:
            ranked, unsure, small = pickle.load(f)
    else:
        ranked, unsure = await rank_both(articles, questions, held)
        small = await small_collections(args, tuned_on)
        if args.records:
            with open(args.records, "wb") as f:
                pickle.dump((ranked, unsure, small), f)
    ranker = fitted().ranker
    others = unsure + small
    everything = ranked + others
    lexical = {id(r): np.asarray(ranker_scores(ranker, r.rows.tolist())) for r in everything}
    read = cached_logits(args, everything, lexical)
    for n in sorted(args.tops):
        set_logits(everything, lexical, read, n, whole_up_to(args))
        weight, right = fit_weight(ranked, lexical)
        print(f"rerank the best {n}: weight {weight}, right first {right:.4f}", file=sys.stderr)
    set_logits(everything, lexical, read, args.top, whole_up_to(args))
    weight, right = fit_weight(ranked, lexical)
    print(
        f"rerank: weight {weight} of the logit; right first {top_k(ranked, lexical, 1):.4f}"
        f" (lexical) -> {right:.4f}",
        file=sys.stderr,
    )
    scores = {id(r): lexical[id(r)] + weight * r.logits for r in everything}
    reply, holds_full, holds = fit_reply(ranked, others, scores, args.words)
    confidence = fit_confidence(
        others, ranked, scores, (holds, holds_full), args.abstain, args.min_coverage
    )
    return {
        "weight": weight,
        "top": args.top,
        "reply": reply,
        "confidence": confidence,
        "min_coverage": args.min_coverage,
        "model_sha256": read_provenance(args.model).sha256["model.onnx"],
        "tuned_on": tuned_on,
        "reported_on": reported,
    }


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fit_rerank", description=__doc__)
    p.add_argument("--articles", type=Path, default=EVAL / "squad-train.articles.jsonl")
    p.add_argument("--questions", type=Path, default=EVAL / "squad-train.questions.jsonl")
    p.add_argument("--model", type=Path, default=MODEL, help="the reranker's folder")
    p.add_argument("--top", type=int, default=7, help="best lexical candidates reranked")
    p.add_argument(
        "--tops",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[5, 6, 7, 8, 10],
        help="also say how often a right sentence comes first when reranking these many",
    )
    p.add_argument("--words", type=float, default=55.0, help="mean words of a reply")
    p.add_argument("--abstain", type=float, default=0.75, help="abstention on unanswerable")
    p.add_argument("--seed", type=int, default=0, help="seed of the halves and the left-out")
    p.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads to read with")
    p.add_argument(
        "--min-coverage",
        type=float,
        default=0.0,
        help="share of the question's weight the best sentence must hold to be quoted (the"
        " lexical mode's 0.4 would refuse the paraphrases the reranker is there to find)",
    )
    p.add_argument(
        "--per-side",
        type=int,
        default=15,
        help="questions of each kind per story in the one- and five-story collections",
    )
    p.add_argument(
        "--no-whole",
        action="store_true",
        help="fit for an answerer that never reads a small collection whole"
        " (AnswerSettings(read_whole=False)); keep its --records apart",
    )
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument(
        "--records",
        type=Path,
        help="keep the ranked questions in this file, and reuse them when it exists (a new"
        " model then only has to be read; the lexical ranker must be the same)",
    )
    args = p.parse_args()
    if not args.articles.exists():
        print(f"skipped: {args.articles} not found", file=sys.stderr)
        return 0
    rerank = asyncio.run(run(args))
    base = args.out if args.out.exists() else FITTED  # a new --out starts from the shipped fit
    data = json.loads(base.read_text(encoding="utf-8"))
    data["rerank"] = rerank
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote the reranking mode into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
