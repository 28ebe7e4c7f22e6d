"""The reranker alone on the natural set: how it ranks the sentences of our own news texts.

For a quick comparison of reranker models, before any fitting: each question of the
natural set (``tests/fixtures/natural``) is scored against every sentence of all its
stories together (read as the answerer reads them: the title and the sentence before as
context). Prints JSON per model folder: for the answerable questions, how often a sentence
holding the answer comes first and among the first three, and its mean rank; and how well
the best logit tells the answerable questions from the unanswerable ones (ROC AUC).

    python -m bench.natural_reranker [MODEL_FOLDER ...]   # default: the shipped model
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.cpu_agreement import story
from bench.natural import SET, load_cases
from bench.train_reranker import auc
from index.answer.answerer import MODEL
from index.answer.reranker import Reranker, context_of


def sentences(folder: Path = SET) -> tuple[list[str], list[str]]:
    """Every sentence of the natural set's stories, with its context."""
    texts: list[str] = []
    contexts: list[str] = []
    for path in sorted(folder.glob("*.md")):
        title, found = story(path)
        texts.extend(found)
        contexts.extend(context_of(title, found[i - 1] if i else None) for i in range(len(found)))
    return texts, contexts


def rank_report(reranker: Reranker, folder: Path = SET) -> dict[str, Any]:
    texts, contexts = sentences(folder)
    ranks: list[int] = []
    answerable: list[float] = []
    unanswerable: list[float] = []
    for case in load_cases(folder):
        scores = reranker.scores(case.question, texts, contexts).tolist()
        order = sorted(range(len(texts)), key=lambda i: -scores[i])
        if case.answer is None:
            unanswerable.append(scores[order[0]])
            continue
        answerable.append(scores[order[0]])
        answer = case.answer.lower()
        ranks.append(next(k for k, i in enumerate(order) if answer in texts[i].lower()))
    found = auc(answerable, unanswerable)
    return {
        "answerable": len(ranks),
        "first": sum(r == 0 for r in ranks),
        "in_first_three": sum(r < 3 for r in ranks),
        "mean_rank": round(sum(ranks) / max(len(ranks), 1), 2),
        "answerable_vs_not_auc": None if found is None else round(found, 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.natural_reranker", description=__doc__)
    p.add_argument("models", type=Path, nargs="*", default=[MODEL], help="reranker folders")
    args = p.parse_args(argv)
    for folder in args.models:
        report = {"model": str(folder), **rank_report(Reranker.load(folder))}
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
