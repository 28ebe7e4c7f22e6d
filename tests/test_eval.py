"""``qabot eval`` on a tiny data set of our own, and on ../shared/eval when it is there."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.evaluation.command import (
    add_arguments,
    holdout,
    load_questions,
    main,
    sample,
    unseen_articles,
)

KEYS = {
    "answer_recall@1",
    "answer_recall@5",
    "answer_recall@20",
    "sentence_acc@1",
    "reply_acc",
    "short_answer_em",
    "short_answer_f1",
    "answered_rate",
    "mean_reply_words",
    "p50_ms",
    "p95_ms",
    "questions",
    "passages",
}
ARTICLES = [
    {
        "id": "a1",
        "title": "Harbor Bridge",
        "text": "The Harbor Bridge opened in 1927.\n\n"
        "The engineer Margaret Ellison designed the Harbor Bridge.",
    },
    {
        "id": "a2",
        "title": "Glass",
        "text": "Glass is made by melting sand in a furnace.\n\n"
        "The furnace reaches about 1,500 degrees Celsius.",
    },
    {
        "id": "a3",
        "title": "Owls",
        "text": "Owls hunt small mammals at night.\n\nMost owls nest in hollow trees.",
    },
]
QUESTIONS = [
    ("a1", "When did the Harbor Bridge open?", ["1927"]),
    ("a1", "Who designed the Harbor Bridge?", ["Margaret Ellison"]),
    ("a2", "How hot does the glass furnace get?", ["1,500 degrees Celsius"]),
    ("a3", "When do owls hunt?", ["at night"]),
    ("a3", "Where do most owls nest?", ["in hollow trees"]),
]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"


def write_data(tmp_path: Path) -> tuple[Path, Path]:
    articles = tmp_path / "a.jsonl"
    articles.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "".join(
            json.dumps(
                {"id": f"{a}_q{i}", "article_id": a, "question": q, "answers": ans, "paragraph": 0}
            )
            + "\n"
            for i, (a, q, ans) in enumerate(QUESTIONS)
        )
    )
    return articles, questions


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert main(parser.parse_args(argv)) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_eval_reports_every_key_for_both_pipelines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles, questions = write_data(tmp_path)
    report = run(
        ["--articles", str(articles), "--questions", str(questions), "--json", "--baseline"], capsys
    )
    assert set(report) >= KEYS
    assert report["questions"] == len(QUESTIONS)
    assert report["answer_recall@20"] == 1.0
    assert report["sentence_acc@1"] >= 0.6  # type: ignore[operator]
    baseline = report["baseline"]
    assert isinstance(baseline, dict) and set(baseline) >= KEYS
    assert baseline["passages"] == 6  # paragraphs


def test_holdout_reports_abstention_on_unanswerable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles, questions = write_data(tmp_path)
    report = run(
        [
            "--articles",
            str(articles),
            "--questions",
            str(questions),
            "--json",
            "--holdout-fraction",
            "0.3",
        ],
        capsys,
    )
    assert "abstain_unanswerable" in report
    assert report["unanswerable"] >= 1  # type: ignore[operator]
    assert report["answerable"] + report["unanswerable"] == len(QUESTIONS)  # type: ignore[operator]


def test_sample_and_holdout_are_seeded(tmp_path: Path) -> None:
    _, path = write_data(tmp_path)
    questions = load_questions(path)
    assert sample(questions, 3, 7) == sample(questions, 3, 7)
    assert len(sample(questions, 3, 7)) == 3
    ids = ["a1", "a2", "a3"]
    left = holdout(questions, ids, 0.3, 1)
    assert left == holdout(questions, ids, 0.3, 1) and 0 < len(left) < 3
    assert holdout(questions, ids, 0.0, 1) == set()


@pytest.mark.eval
@pytest.mark.skipif(not SHARED.exists(), reason="../shared/eval is absent")
def test_eval_on_shared_data_beats_nothing_silly(capsys: pytest.CaptureFixture[str]) -> None:
    report = run(
        [
            "--articles",
            str(SHARED / "squad-train.articles.jsonl"),
            "--questions",
            str(SHARED / "squad-train.questions.jsonl"),
            "--sample",
            "50",
            "--seed",
            "3",
            "--json",
        ],
        capsys,
    )
    assert report["questions"] == 50
    assert report["answer_recall@20"] >= 0.8  # type: ignore[operator]
    assert report["sentence_acc@1"] >= 0.4  # type: ignore[operator]


def test_unseen_asks_only_about_articles_no_model_saw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unseen = sorted(unseen_articles())[0]
    articles, questions = write_data(tmp_path)
    for path in (articles, questions):
        path.write_text(path.read_text().replace('"a3"', json.dumps(unseen)))
    argv = ["--articles", str(articles), "--questions", str(questions), "--json", "--unseen"]
    report = run(argv, capsys)
    assert report["questions"] == 2  # the two about a3, renamed to an unseen article
    assert "no model" in str(report["asked_from"])
    assert report["passages"] == 3  # all three articles are still indexed, a passage each


def test_unseen_without_such_articles_is_a_clear_error(tmp_path: Path) -> None:
    articles, questions = write_data(tmp_path)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    argv = ["--articles", str(articles), "--questions", str(questions), "--unseen"]
    with pytest.raises(SystemExit, match="no model saw"):
        main(parser.parse_args(argv))


def test_some_quote_right_counts_every_quote_of_a_sure_or_closest_reply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles, questions = write_data(tmp_path)
    report = run(["--articles", str(articles), "--questions", str(questions), "--json"], capsys)
    assert isinstance(report["quoted_acc"], float) and isinstance(report["helped"], float)
    assert report["helped"] <= report["quoted_acc"] <= 1.0
    assert report["quoted_acc"] > 0.5
