"""Fit the answerer's parameters on question-answering data; write ``index/answer/answerer.json``.

    pip install -e ".[fit]"          # LightGBM, only for fitting
    python -m bench.fit_answerer [--tune 45000] [--out FILE]

On a 2-core machine ranking the questions takes about 15 minutes and fitting 15 more;
``--save FILE`` keeps the ranked questions so that ``--load FILE`` refits without ranking.
Reads ``../shared/eval`` (skips cleanly when it is absent). The questions ``qabot eval``
reports on (a sample of 5,000 with seed 0) are never used here: tuning questions are a seed-1
sample with those removed, and with every question of the articles the reranker holds out
(its ``provenance.json``), so that ``qabot eval --unseen`` asks about articles that no model,
lexical or neural, was fitted on. Fitted, in order:

1. the ranker: LightGBM lambdarank trees over ``index.answer.features`` rows, label "the sentence
   holds a gold answer";
2. the reply (``index.answer.reply``): LightGBM trees for the chance that a runner-up holds the
   answer while the best sentence does not, and the chance per word a runner-up must reach
   to be quoted, the lowest whose replies (with the sentences they lean on) stay under a
   word budget;
3. the confidence: LightGBM trees over ``index.answer.answerer.evidence``, label "the reply (step 2,
   out of fold) holds the answer", on an index with the articles of a fifth of the questions
   left out (their questions count as wrong answers), and the threshold at which it abstains
   on ``--abstain`` of those unanswerable questions.

The reranking mode's parameters (its weight, reply and confidence) are fitted after the
reranker is trained, by ``bench/fit_rerank.py``, which reuses these steps and keeps the rest.

Steps 2-4 use out-of-fold ranker scores (two folds by article) so that they see the ranker as
it behaves on questions it was not fitted on.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import pickle
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bot.engine import Engine, EngineSettings
from bot.evaluation.command import Question, holdout, load_jsonl, load_questions, sample
from bot.evaluation.metrics import contains
from index.answer import AnswerSettings, reply
from index.answer.answerer import MODEL
from index.answer.confidence import evidence
from index.answer.features import NAMES
from index.answer.names import found as names_found
from index.answer.ranking import ranker_scores
from index.answer.reranker import context_of, read_provenance
from index.answer.trees import Forest, from_lightgbm
from index.search.analyze import Analyzer

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
OUT = Path(__file__).resolve().parents[1] / "index" / "answer" / "answerer.json"
RANKER = {"num_leaves": 15, "learning_rate": 0.05, "n_estimators": 600, "min_child_samples": 50}
REPLY = {"num_leaves": 7, "learning_rate": 0.05, "n_estimators": 300, "min_child_samples": 50}
CONFIDENCE = {"num_leaves": 7, "learning_rate": 0.03, "n_estimators": 300, "min_child_samples": 50}
# Answer-type evidence may only raise a sentence's score, restating only lower it.
MONOTONE = {
    "type_person": 1,
    "type_date": 1,
    "type_number": 1,
    "type_place": 1,
    "type_near": 1,
    "type_missing": -1,
    "restates": -1,
}
SAME_EVERY_RUN = {"deterministic": True, "force_row_wise": True, "seed": 0}
ANALYZER = Analyzer()
LEXICAL = EngineSettings(answer=AnswerSettings(rerank=False))
LEANS_BACK, FIRST_SENTENCE, PASSAGE_RANK = (
    NAMES.index(n) for n in ("leans_back", "first_sentence", "passage_rank")
)


@dataclass(slots=True)
class Record:
    """One question ranked: its candidates' feature rows and labels, and query statistics."""

    question: str
    article: str
    answerable: bool
    rows: np.ndarray
    labels: np.ndarray
    words: np.ndarray
    texts: list[str]
    missing_idf: float
    passages: np.ndarray
    indexed: int = 0
    contexts: list[str] = field(default_factory=list)
    logits: np.ndarray = field(default_factory=lambda: np.zeros(0))


def fold(article: str) -> int:
    return hashlib.sha1(article.encode()).digest()[0] % 2


async def collect(db: Path, questions: list[Question], held: set[str]) -> list[Record]:
    """Rank every question on the store at ``db`` and keep what the fit needs."""
    async with await Engine.open(db, LEXICAL) as engine:
        answerable = [q.article_id not in held for q in questions]
        return await collect_on(engine, questions, answerable, f"ranking on {db.name}")


async def collect_on(
    engine: Engine,
    questions: list[Question],
    answerable: list[bool],
    desc: str | None = None,
    whole: bool = False,
) -> list[Record]:
    """Rank every question on an open engine; ``answerable`` says whose answer it holds;
    ``whole`` reads a small collection in full, as the reranking mode does."""
    out = []
    await engine.retriever.sync()  # the index is loaded on first use
    indexed = engine.retriever.index.snapshot.n_docs
    asked = zip(questions, answerable, strict=True)
    for q, can in tqdm(asked, desc=desc, total=len(questions), file=sys.stderr, disable=not desc):
        query, hits, cands, rows = await engine.answerer.gather(q.question, whole)
        if not cands:
            continue
        texts = [c.sentence.text for c in cands]
        out.append(
            Record(
                question=q.question,
                article=q.article_id,
                answerable=can,
                rows=np.asarray(rows, dtype=np.float64),
                labels=np.array([contains(t, q.answers) for t in texts]),
                words=np.array([len(t.split()) for t in texts]),
                texts=texts,
                missing_idf=query.missing_idf / query.total_idf,
                passages=np.array([h.score / query.total_idf for h in hits]),
                indexed=indexed,
                contexts=[
                    context_of(c.hit.title, c.previous.text if c.previous else None) for c in cands
                ],
            )
        )
    return out


def fit_ranker(records: list[Record]) -> Any:
    import lightgbm

    model = lightgbm.LGBMRanker(
        objective="lambdarank",
        monotone_constraints=[MONOTONE.get(n, 0) for n in NAMES],
        verbose=-1,
        **RANKER,
        **SAME_EVERY_RUN,
    )
    model.fit(
        np.vstack([r.rows for r in records]),
        np.concatenate([r.labels.astype(int) for r in records]),
        group=[len(r.rows) for r in records],
    )
    return model


def out_of_fold(tune: list[Record], others: list[Record]) -> dict[int, np.ndarray]:
    """Ranker scores of every record from the fold model not fitted on its article."""
    models = [fit_ranker([r for r in tune if fold(r.article) != k]) for k in (0, 1)]
    forests = [
        Forest.from_dict(from_lightgbm(m.booster_.dump_model(), list(NAMES))) for m in models
    ]
    return {
        id(r): np.asarray(ranker_scores(forests[fold(r.article)], r.rows.tolist()))
        for r in tune + others
    }


def top_k(records: list[Record], scores: dict[int, np.ndarray], k: int) -> float:
    hits = [r.labels[np.argsort(-scores[id(r)], kind="stable")[:k]].any() for r in records]
    return float(np.mean(hits))


def reply_rows(
    records: list[Record], scores: dict[int, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every record's runner-up rows (``index.answer.reply``), whether each holds the answer
    while the best does not, the words it adds, its record's index, and each record's (best right,
    words); words count the sentence a candidate leans on."""
    x, y, words, owner, best = [], [], [], [], []
    for i, r in enumerate(records):
        order = np.argsort(-scores[id(r)], kind="stable")[: reply.POOL]
        ranking = reply.Ranking(
            r.question,
            [r.texts[j] for j in order],
            scores[id(r)][order].tolist(),
            r.rows[order],
            leans_on(r, order),
        )
        w, labels = np.array(ranking.costs()), r.labels[order]
        rows = reply.rows(ranking, ANALYZER)
        x.append(rows)
        y.extend(labels[1 : 1 + len(rows)] & ~labels[0])
        words.extend(w[1 : 1 + len(rows)])
        owner.extend([i] * len(rows))
        best.append((labels[0], w[0]))
    return np.vstack(x), np.array(y), np.array(words), np.array(owner), np.array(best)


def leans_on(r: Record, order: np.ndarray) -> list[int]:
    """``index.answer.answerer``'s words of the sentence each candidate leans on, from a record: the
    sentence before a candidate is the candidate before it when both are of one passage."""
    out = []
    for j in order:
        row = r.rows[j]
        if not row[LEANS_BACK] or row[FIRST_SENTENCE]:
            out.append(0)
        elif j > 0 and r.rows[j - 1][PASSAGE_RANK] == row[PASSAGE_RANK]:
            out.append(0 if j - 1 == order[0] else int(r.words[j - 1]))
        else:
            out.append(reply.UNSEEN_WORDS)
    return out


def fit_reply(
    records: list[Record], others: list[Record], scores: dict[int, np.ndarray], budget: float
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """Trees for the chance that a runner-up holds the answer while the best does not, and the
    lowest chance per word whose replies average under ``budget`` words (out of fold); with
    whether the reply holds the answer, out of fold, for each of ``records`` and ``others``."""
    import lightgbm

    x, y, words, owner, best = reply_rows(records, scores)
    xo, yo, wo, oo, bo = reply_rows(others, scores)
    folds = np.array([fold(records[i].article) for i in owner])
    folds_o = np.array([fold(others[i].article) for i in oo])
    p, po = np.zeros(len(y)), np.zeros(len(yo))
    for k in (0, 1):
        model = lightgbm.LGBMClassifier(verbose=-1, **REPLY, **SAME_EVERY_RUN)
        model.fit(x[folds != k], y[folds != k])
        p[folds == k] = model.predict_proba(x[folds == k])[:, 1]
        po[folds_o == k] = model.predict_proba(xo[folds_o == k])[:, 1]
    bar = reply_bar(p / np.maximum(words, 1), words, y, owner, best, budget)
    holds = reply_holds(p / np.maximum(words, 1), words, y, owner, best, bar)[0]
    holds_o = reply_holds(po / np.maximum(wo, 1), wo, yo, oo, bo, bar)[0]
    model = lightgbm.LGBMClassifier(verbose=-1, **REPLY, **SAME_EVERY_RUN).fit(x, y)
    forest = from_lightgbm(model.booster_.dump_model(), list(reply.NAMES))
    z = Forest.from_dict(forest).predict(x)
    if not np.allclose(1 / (1 + np.exp(-z)), model.predict_proba(x)[:, 1]):
        raise RuntimeError("the exported reply trees disagree with LightGBM")
    return {"forest": forest, "per_word": round(bar, 7)}, holds, holds_o


def reply_holds(
    value: np.ndarray,
    words: np.ndarray,
    right: np.ndarray,
    owner: np.ndarray,
    best: np.ndarray,
    bar: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per record, whether its reply holds the answer and its words, when a reply is the best
    sentence and its runner-ups of highest ``value`` reaching ``bar``."""
    n, extra = len(best), AnswerSettings().max_sentences - 1
    order = np.lexsort((-value, owner))
    rank = np.zeros(len(order), dtype=int)
    starts = np.searchsorted(owner[order], np.arange(n))
    rank[order] = np.arange(len(order)) - starts[owner[order]]
    taken = (rank < extra) & (value >= bar)
    holds = best[:, 0].astype(bool).copy()
    np.logical_or.at(holds, owner[taken], right[taken].astype(bool))
    total = best[:, 1].astype(float)
    np.add.at(total, owner[taken], words[taken])
    return holds, total


def reply_bar(
    value: np.ndarray,
    words: np.ndarray,
    right: np.ndarray,
    owner: np.ndarray,
    best: np.ndarray,
    budget: float,
) -> float:
    """The lowest chance per word whose replies (``reply_holds``) average under ``budget``."""
    for bar in np.quantile(value, np.linspace(0.0, 1.0, 401)):
        holds, total = reply_holds(value, words, right, owner, best, float(bar))
        if total.mean() <= budget:
            print(
                f"reply: {bar:.5f} per word; out of fold a reply holds the answer"
                f" {holds.mean():.4f} (the best sentence alone {best[:, 0].mean():.4f}) in"
                f" {total.mean():.1f} words",
                file=sys.stderr,
            )
            return float(bar)
    raise RuntimeError(f"no reply averages under {budget} words")


def evidence_rows(
    records: list[Record], scores: dict[int, np.ndarray]
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Each record's evidence for the confidence, whether its best sentence is right, and
    whether it is answerable."""
    rows, right, answerable = [], [], []
    names: list[str] = []
    for r in records:
        s = scores[id(r)]
        order = np.argsort(-s, kind="stable")
        logits = r.logits[order].tolist() if r.logits.size else None
        found = names_found(r.question, [r.texts[i] for i in order], ANALYZER)
        facts = evidence(
            s[order].tolist(),
            r.rows[order].tolist(),
            r.missing_idf,
            r.passages.tolist(),
            found,
            logits,
            r.indexed,
        )
        names = list(facts)
        rows.append(list(facts.values()))
        right.append(bool(r.labels[order[0]]) and r.answerable)
        answerable.append(r.answerable)
    return names, np.array(rows), np.array(right), np.array(answerable)


def fit_confidence(
    records: list[Record],
    full: list[Record],
    scores: dict[int, np.ndarray],
    holds: tuple[np.ndarray, np.ndarray],
    abstain: float,
    min_coverage: float = 0.4,
) -> dict[str, Any]:
    """Trees for the log-odds that the reply holds the answer, and the threshold at which,
    with the coverage gate, the answerer abstains on ``abstain`` of the unanswerable questions
    (chosen on out-of-fold probabilities). ``records`` come from the index with articles left
    out; ``full``, from the complete one, shows what the threshold costs when every question
    has its answer in the index. ``holds`` tells, for each of ``records`` and of ``full``,
    whether its reply holds the answer (``fit_reply``)."""
    import lightgbm

    names, x, right, answerable = evidence_rows(records, scores)
    _, x_full, right_full, _ = evidence_rows(full, scores)
    label, label_full = holds[0] & answerable, holds[1]
    folds = np.array([fold(r.article) for r in records])
    folds_full = np.array([fold(r.article) for r in full])
    p, p_full = np.zeros(len(x)), np.zeros(len(x_full))
    for k in (0, 1):
        model = lightgbm.LGBMClassifier(verbose=-1, **CONFIDENCE, **SAME_EVERY_RUN).fit(
            x[folds != k], label[folds != k]
        )
        p[folds == k] = model.predict_proba(x[folds == k])[:, 1]
        p_full[folds_full == k] = model.predict_proba(x_full[folds_full == k])[:, 1]
    coverage = names.index("coverage_context")
    gated, gated_full = x[:, coverage] < min_coverage, x_full[:, coverage] < min_coverage
    left = abstain - np.mean(gated[~answerable])
    ungated = p[~answerable & ~gated]
    share = min(max(left, 0.0) * np.sum(~answerable) / len(ungated), 1.0)
    threshold = float(np.quantile(ungated, share))
    speaks = (p >= threshold) & ~gated
    speaks_full = (p_full >= threshold) & ~gated_full
    print(
        f"confidence: threshold {threshold:.3f} abstains on"
        f" {np.mean(~speaks[~answerable]):.3f} of unanswerable; right first on answerable"
        f" {right[answerable].mean():.4f} -> {(right & speaks)[answerable].mean():.4f};"
        f" on the full index it answers {speaks_full.mean():.3f},"
        f" right first {right_full.mean():.4f} -> {(right_full & speaks_full).mean():.4f},"
        f" reply right {label_full.mean():.4f} -> {(label_full & speaks_full).mean():.4f}",
        file=sys.stderr,
    )
    model = lightgbm.LGBMClassifier(verbose=-1, **CONFIDENCE, **SAME_EVERY_RUN).fit(x, label)
    forest = from_lightgbm(model.booster_.dump_model(), names)
    z = Forest.from_dict(forest).predict(x)
    if not np.allclose(1 / (1 + np.exp(-z)), model.predict_proba(x)[:, 1]):
        raise RuntimeError("the exported confidence trees disagree with LightGBM")
    return {"forest": forest, "threshold": round(threshold, 4)}


async def build(db: Path, articles: list[dict[str, Any]]) -> None:
    source = db.with_suffix(".jsonl")
    with open(source, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    async with await Engine.open(db, LEXICAL, progress=True) as engine:
        await engine.add_source(str(source), "fit")


async def rank_both(
    articles: list[dict[str, Any]], questions: list[Question], held: set[str]
) -> tuple[list[Record], list[Record]]:
    """The questions ranked on an index of every article, and on one without ``held``."""
    with tempfile.TemporaryDirectory(prefix="qabot-fit-") as tmp:
        full, part = Path(tmp) / "full.db", Path(tmp) / "held.db"
        await build(full, articles)
        await build(part, [a for a in articles if str(a["id"]) not in held])
        return await collect(full, questions, set()), await collect(part, questions, held)


def heldout_articles(model: Path) -> set[str]:
    """The articles the reranker never trained on: no fit may see their questions either."""
    return set(read_provenance(model).record["split"]["heldout_articles"])


async def run(args: argparse.Namespace) -> dict[str, Any]:
    articles = load_jsonl(args.articles)
    everything = load_questions(args.questions)
    report = {q.id for q in sample(everything, 5000, 0)}
    unseen = heldout_articles(args.model)
    tune = [
        q
        for q in sample(everything, args.tune, 1)
        if q.id not in report and q.article_id not in unseen
    ]
    held = holdout(tune, [str(a["id"]) for a in articles], 0.2, 1)
    if args.load:
        with open(args.load, "rb") as f:
            ranked, unsure = pickle.load(f)
    else:
        ranked, unsure = await rank_both(articles, tune, held)
    if args.save:
        with open(args.save, "wb") as f:
            pickle.dump((ranked, unsure), f)
    scores = out_of_fold(ranked, unsure)
    print(
        f"ranker, out of fold: right first {top_k(ranked, scores, 1):.4f},"
        f" within two {top_k(ranked, scores, 2):.4f}",
        file=sys.stderr,
    )
    model = fit_ranker(ranked)
    fitted_reply, holds_full, holds = fit_reply(ranked, unsure, scores, args.words)
    fitted: dict[str, Any] = {
        "ranker": from_lightgbm(model.booster_.dump_model(), list(NAMES)),
        "reply": fitted_reply,
        "confidence": fit_confidence(unsure, ranked, scores, (holds, holds_full), args.abstain),
        "fitted_without": sorted(unseen),
    }
    return fitted


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fit_answerer", description=__doc__)
    p.add_argument("--articles", type=Path, default=EVAL / "squad-train.articles.jsonl")
    p.add_argument("--questions", type=Path, default=EVAL / "squad-train.questions.jsonl")
    p.add_argument("--tune", type=int, default=45000, help="tuning sample size before removal")
    p.add_argument(
        "--words",
        type=float,
        default=61.0,
        help="mean words of a reply, the sentences its quotes lean on included (replies the"
        " answerer abstains on count here, so answered replies average about 3 words fewer)",
    )
    p.add_argument("--abstain", type=float, default=0.61, help="abstention on unanswerable")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument(
        "--model", type=Path, default=MODEL, help="reranker whose held-out articles are left out"
    )
    p.add_argument("--save", type=Path, help="pickle the ranked records here")
    p.add_argument("--load", type=Path, help="reuse records pickled by --save (no ranking)")
    args = p.parse_args()
    if not args.articles.exists():
        print(f"skipped: {args.articles} not found", file=sys.stderr)
        return 0
    fitted = asyncio.run(run(args))
    args.out.write_text(json.dumps(fitted, separators=(",", ":")) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    Forest.from_dict(fitted["ranker"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
