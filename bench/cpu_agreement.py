"""Do two CPUs give the reranker the same logits? Scores fixed pairs; compares with a file.

Each answerable question of the natural set (``tests/fixtures/natural``) is scored against
every sentence of its story, read as the answerer reads them (the title and the sentence
before as context). Run it once on one machine with ``--out``, then on another (or under an
emulated CPU) with ``--against``:

    python -m bench.cpu_agreement --out /tmp/vnni.json
    qemu-x86_64 -cpu Haswell .venv/bin/python -m bench.cpu_agreement --against /tmp/vnni.json
    qemu-x86_64 -cpu Haswell .venv/bin/python -m bench.cpu_agreement --against /tmp/vnni.json \\
        --precise off

``--precise`` chooses ONNX Runtime's exact int8 mode (``index.answer.cpu``): ``auto`` as the
answerer does, ``on`` or ``off`` to force it (under qemu-user ``/proc/cpuinfo`` is the host's,
so ``auto`` cannot see the emulated CPU: force it there). Prints JSON: whether the CPU needs
the exact mode, the mode, the time a pair took, and, against the file, how far the logits
moved and for how many questions the best sentence changed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.natural import SET, load_cases
from corpus.formats import read_text
from corpus.prepare import prepare
from index.answer.answerer import MODEL
from index.answer.cpu import precise_int8
from index.answer.reranker import Reranker, context_of


def story(path: Path) -> tuple[str, list[str]]:
    """A natural-set article's title and sentences."""
    article = prepare(read_text(path.name, path.read_bytes()))
    return article.title, [s.text for s in article.sentences]


def logits(reranker: Reranker, folder: Path = SET) -> dict[str, list[float]]:
    """Each answerable question's logits over the sentences of its story."""
    out: dict[str, list[float]] = {}
    for case in load_cases(folder):
        if case.article is None:
            continue
        title, texts = story(folder / f"{case.article}.md")
        contexts = [context_of(title, texts[i - 1] if i else None) for i in range(len(texts))]
        out[case.question] = [float(x) for x in reranker.scores(case.question, texts, contexts)]
    return out


def compare(mine: dict[str, list[float]], theirs: dict[str, list[float]]) -> dict[str, Any]:
    """How far two runs' logits lie apart, and how often their best sentence differs."""
    diffs = [abs(a - b) for q in mine for a, b in zip(mine[q], theirs[q], strict=True)]
    best_moved = sum(
        max(range(len(mine[q])), key=mine[q].__getitem__)
        != max(range(len(theirs[q])), key=theirs[q].__getitem__)
        for q in mine
    )
    return {
        "questions": len(mine),
        "pairs": len(diffs),
        "mean_abs_diff": round(sum(diffs) / max(len(diffs), 1), 4),
        "max_abs_diff": round(max(diffs, default=0.0), 4),
        "best_sentence_changed": best_moved,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, help="write this run's logits here")
    p.add_argument("--against", type=Path, help="compare with logits written by --out")
    p.add_argument("--precise", choices=("auto", "on", "off"), default="auto")
    p.add_argument("--model", type=Path, default=MODEL, help="reranker folder")
    args = p.parse_args(argv)
    precise = {"auto": None, "on": True, "off": False}[args.precise]
    reranker = Reranker.load(args.model, precise=precise)
    logits(reranker)  # first-run costs aside
    started = time.perf_counter()
    mine = logits(reranker)
    seconds = time.perf_counter() - started
    report: dict[str, Any] = {
        "cpu_needs_precise": precise_int8(),
        "precise": precise_int8() if precise is None else precise,
        "ms_per_pair": round(seconds * 1000 / sum(len(v) for v in mine.values()), 2),
    }
    if args.out:
        args.out.write_text(json.dumps(mine) + "\n", encoding="utf-8")
        report["written"] = str(args.out)
    if args.against:
        report["against"] = compare(mine, json.loads(args.against.read_text(encoding="utf-8")))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
