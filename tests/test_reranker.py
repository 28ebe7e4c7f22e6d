"""The sentence reranker's runtime (index.answer.reranker) and its training pairs' split.

The runtime tests build their own tiny model: a WordPiece tokenizer file whose vocabulary is
whole words, and an ONNX graph made with ``onnx.helper`` whose logit is the sum of a weight
per word of the pair's second segment. So they need neither torch nor the real weights, and
they skip when onnx or onnxruntime is missing. The split tests need none of these.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from bench.natural_reranker import rank_report
from bench.reranker_pairs import (
    Article,
    Corpus,
    Item,
    build_pairs,
    heldout_articles,
    heldout_questions,
    withheld,
    without_shared_words,
)
from corpus.errors import QabotError
from index.answer.reranker import (
    FORMAT,
    MODEL_FILE,
    PROVENANCE_FILE,
    TOKENIZER_FILE,
    Reranker,
    RerankerCorrupt,
    RerankerMissing,
    RerankerUnavailable,
    _module,
    context_of,
    pair_text,
    sha256_of,
)

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "|", ":", ".", ",", "?"]
TEXT = "when did the river festival open it opened in june paris is a city rain fell all day"
WORDS = [*SPECIAL, *TEXT.split(), *"mayor said tickets sold out title".split()]
HEAVY = {"june": 3.0, "opened": 1.0, "festival": 0.5, "title": 0.25}
MAX_TOKENS = 24


def _tokenizer_file(path: Path) -> None:
    """A BERT WordPiece tokenizer file whose vocabulary is whole words only (no pair template:
    the reranker sets its own)."""
    vocab = {w: i for i, w in enumerate(dict.fromkeys(WORDS))}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.save(str(path))


def _model_file(path: Path, per_token: bool = False) -> None:
    """logit = sum over the second segment's real tokens of the token's weight."""
    onnx = pytest.importorskip("onnx")
    h, tp = onnx.helper, onnx.TensorProto
    vocab = list(dict.fromkeys(WORDS))
    weights = np.array([[HEAVY.get(w, 0.0)] for w in vocab], dtype=np.float32)
    nodes = [
        h.make_node("Gather", ["W", "input_ids"], ["g"]),
        h.make_node("Squeeze", ["g", "axis2"], ["w"]),
        h.make_node("Cast", ["attention_mask"], ["m"], to=tp.FLOAT),
        h.make_node("Cast", ["token_type_ids"], ["t"], to=tp.FLOAT),
        h.make_node("Mul", ["w", "m"], ["wm"]),
        h.make_node("Mul", ["wm", "t"], ["per_token"]),
        h.make_node("ReduceSum", ["per_token", "axis1"], ["logit"], keepdims=0),
    ]
    out = "per_token" if per_token else "logit"
    shape = ["batch", "tokens"] if per_token else ["batch"]
    graph = h.make_graph(
        nodes if not per_token else nodes[:-1],
        "tiny-cross-encoder",
        [h.make_tensor_value_info(n, tp.INT64, ["batch", "tokens"]) for n in _INPUTS],
        [h.make_tensor_value_info(out, tp.FLOAT, shape)],
        initializer=[
            onnx.numpy_helper.from_array(weights, "W"),
            onnx.numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
            onnx.numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        ],
    )
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _provenance(folder: Path, **changes: Any) -> None:
    record: dict[str, Any] = {
        "format": FORMAT,
        "max_tokens": MAX_TOKENS,
        "files": {
            name: {"sha256": sha256_of(folder / name)} for name in (MODEL_FILE, TOKENIZER_FILE)
        },
    }
    record.update(changes)
    (folder / PROVENANCE_FILE).write_text(json.dumps(record))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    pytest.importorskip("onnxruntime")
    _tokenizer_file(tmp_path / TOKENIZER_FILE)
    _model_file(tmp_path / MODEL_FILE)
    _provenance(tmp_path)
    return tmp_path


QUESTION = "When did the river festival open?"
SENTENCES = [
    "Rain fell all day.",
    "It opened in June.",
    "Paris is a city.",
    "The festival opened in June, the mayor said.",
    "Tickets sold out.",
]


def test_loads_and_scores_in_order(folder: Path) -> None:
    reranker = Reranker.load(folder)
    scores = reranker.scores(QUESTION, SENTENCES)
    assert scores.shape == (len(SENTENCES),) and scores.dtype == np.float32
    assert scores.tolist() == pytest.approx([0.0, 4.0, 0.0, 4.5, 0.0])
    assert int(np.argmax(scores)) == 3
    assert reranker.max_tokens == MAX_TOKENS
    assert reranker.scores(QUESTION, []).shape == (0,)


def test_question_words_do_not_count_only_the_second_segment(folder: Path) -> None:
    reranker = Reranker.load(folder)
    assert reranker.scores("june june opened", ["paris"]).tolist() == [0.0]


def test_batching_equals_one_by_one(folder: Path) -> None:
    many = [" ".join(SENTENCES[: 1 + i % 5]) for i in range(23)]
    contexts = [context_of("Title", SENTENCES[i % 5]) for i in range(23)]
    batched = Reranker.load(folder, batch=4).scores(QUESTION, many, contexts)
    alone = Reranker.load(folder, batch=1).scores(QUESTION, many, contexts)
    one_by_one = [
        Reranker.load(folder).scores(QUESTION, [s], [c])[0]
        for s, c in zip(many, contexts, strict=True)
    ]
    assert batched.shape == (23,)
    assert np.array_equal(batched, alone)
    assert np.allclose(batched, one_by_one)


def test_contexts_are_read_after_the_sentence(folder: Path) -> None:
    reranker = Reranker.load(folder)
    plain, with_context = (
        reranker.scores(QUESTION, ["Paris is a city."], contexts)[0]
        for contexts in (None, [context_of("Title", "It opened in June.")])
    )
    assert (plain, with_context) == (0.0, pytest.approx(4.25))
    assert pair_text(" A. ", "T: B.") == "A. | T: B."
    assert pair_text("A.", "") == "A."
    with pytest.raises(ValueError, match="2 contexts for 1 sentences"):
        reranker.scores(QUESTION, ["a"], ["x", "y"])


def test_pairs_are_cut_at_the_recorded_token_limit(folder: Path) -> None:
    reranker = Reranker.load(folder)
    filler = "paris " * 40
    assert reranker.scores(QUESTION, [f"june {filler}", f"{filler} june"]).tolist() == [3.0, 0.0]


def test_missing_model_names_the_file_and_the_remedy(folder: Path) -> None:
    (folder / MODEL_FILE).unlink()
    with pytest.raises(RerankerMissing) as e:
        Reranker.load(folder)
    assert isinstance(e.value, QabotError)
    assert e.value.path == folder / MODEL_FILE
    assert MODEL_FILE in str(e.value) and "bench.train_reranker" in str(e.value)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RerankerMissing, match="not found"):
        Reranker.load(tmp_path / "nowhere")


def test_corrupt_model_is_refused_at_load(folder: Path) -> None:
    (folder / MODEL_FILE).write_bytes(b"\x08\x07 not an onnx graph" * 50)
    with pytest.raises(RerankerCorrupt, match="SHA-256") as e:
        Reranker.load(folder)  # the provenance's hash no longer matches
    assert e.value.path == folder / MODEL_FILE
    _provenance(folder)  # even with a matching hash, the graph must load
    with pytest.raises(RerankerCorrupt, match="not a loadable ONNX model") as e:
        Reranker.load(folder)
    assert MODEL_FILE in str(e.value) and "bench.train_reranker" in str(e.value)


def test_truncated_model_is_refused(folder: Path) -> None:
    data = (folder / MODEL_FILE).read_bytes()
    (folder / MODEL_FILE).write_bytes(data[: len(data) // 2])
    _provenance(folder)
    with pytest.raises(RerankerCorrupt, match=MODEL_FILE):
        Reranker.load(folder)


def test_graph_without_one_logit_per_pair_is_refused(folder: Path) -> None:
    _model_file(folder / MODEL_FILE, per_token=True)
    _provenance(folder)
    with pytest.raises(RerankerCorrupt, match="not one logit each"):
        Reranker.load(folder)


def test_corrupt_tokenizer_is_refused(folder: Path) -> None:
    (folder / TOKENIZER_FILE).write_text('{"model": "half a file')
    _provenance(folder)
    with pytest.raises(RerankerCorrupt, match=TOKENIZER_FILE):
        Reranker.load(folder)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not readable JSON"),
        (json.dumps({"format": "other"}), "not a qabot reranker record"),
        (json.dumps({"format": FORMAT, "max_tokens": "64"}), "max_tokens"),
        (json.dumps({"format": FORMAT, "max_tokens": 64, "files": {}}), "no sha256"),
    ],
)
def test_bad_provenance_is_refused(folder: Path, text: str, match: str) -> None:
    (folder / PROVENANCE_FILE).write_text(text)
    with pytest.raises(RerankerCorrupt, match=match) as e:
        Reranker.load(folder)
    assert e.value.path == folder / PROVENANCE_FILE


def test_missing_provenance(folder: Path) -> None:
    (folder / PROVENANCE_FILE).unlink()
    with pytest.raises(RerankerMissing, match=PROVENANCE_FILE):
        Reranker.load(folder)


def test_missing_package_says_how_to_install() -> None:
    with pytest.raises(RerankerUnavailable, match="pip install"):
        _module("qabot_no_such_package")


# ---------------------------------------------------------------- the pairs' split


def _data(n_articles: int = 9) -> tuple[list[Article], list[Item]]:
    """Articles whose paragraphs each answer two questions with a word of their own."""
    articles, items = [], []
    for a in range(n_articles):
        paragraphs = []
        for p in range(3):
            key = f"key{a}x{p}"
            paragraphs.append(
                f"The harbour of town{a} was rebuilt in year{a}{p}. "
                f"Its keeper was called {key} by the sailors. "
                f"Boats from town{a} carried grain and salt. "
                f"The museum of town{a} tells the story of {key}."
            )
            items.append(
                Item(f"a{a}_p{p}_q0", f"a{a}", f"Who kept the harbour of town{a}?", (key,), p)
            )
            items.append(
                Item(
                    f"a{a}_p{p}_q1",
                    f"a{a}",
                    f"When was the harbour of town{a} rebuilt?",
                    (f"year{a}{p}",),
                    p,
                )
            )
        articles.append(Article(f"a{a}", f"Town {a}", tuple(paragraphs)))
    return articles, items


def test_heldout_articles_are_seeded_and_sized() -> None:
    ids = [f"a{i}" for i in range(50)]
    held = heldout_articles(ids, 0.1, seed=0)
    assert len(held) == 5 and held == sorted(held)
    assert held == heldout_articles(reversed(ids), 0.1, seed=0)
    assert held != heldout_articles(ids, 0.1, seed=1)


def test_no_heldout_article_reaches_the_training_pairs() -> None:
    articles, items = _data()
    corpus = Corpus(articles)
    held = heldout_articles([a.id for a in articles], 0.34, seed=3)
    assert len(held) == 3
    excluded = {items[0].id}
    pairs = build_pairs(
        corpus, items, held, 10_000, seed=0, not_here=0.3, top=3, excluded_questions=excluded
    )
    assert pairs.pairs and pairs.kinds["positive"] and pairs.kinds["not_here"]
    assert pairs.kinds["paragraph"] and pairs.kinds["retrieved"]
    for p in pairs.pairs:
        assert p.article_id not in held and p.sentence_article not in held
        assert p.question_id not in excluded
        assert p.label == (p.kind == "positive")
    by_id = {q.id: q for q in items}
    for p in pairs.pairs:
        answer = by_id[p.question_id].answers[0]
        assert (answer in p.sentence) == bool(p.label)
        if p.kind == "not_here":
            assert p.sentence_article != p.article_id
    again = build_pairs(
        corpus, items, held, 10_000, seed=0, not_here=0.3, top=3, excluded_questions=excluded
    )
    assert again.pairs == pairs.pairs
    assert len(build_pairs(corpus, items, held, 7, seed=0).pairs) == 7


def test_a_reworded_question_loses_about_half_the_words_it_shares_with_its_answer() -> None:
    corpus = Corpus([])
    sentence = "The new ferry sails from the north harbour at dawn."
    question = "When does the new ferry sail from the harbour?"
    reworded = without_shared_words(question, sentence, corpus.analyzer, random.Random(0))
    kept = reworded.rstrip("?").split()
    assert reworded.endswith("?") and kept[:2] == ["When", "does"]
    gone = set(question.rstrip("?").split()) - set(kept)
    assert len(gone) == 2 and gone <= {"new", "ferry", "sail", "harbour"}


def test_a_question_sharing_nothing_with_its_answer_is_asked_as_it_is() -> None:
    corpus = Corpus([])
    question = "Who runs the company?"
    sentence = "Its chief executive, Ana Ruiz, said sales rose."
    assert without_shared_words(question, sentence, corpus.analyzer, random.Random(0)) == question


def test_rewording_keeps_a_question_s_last_content_word() -> None:
    corpus = Corpus([])
    asked = without_shared_words(
        "Where is Bremen?", "Bremen is a city.", corpus.analyzer, random.Random(0)
    )
    assert asked == "Where is Bremen?"


def test_reworded_pairs_of_one_question_share_its_new_wording() -> None:
    articles, items = _data()
    corpus = Corpus(articles)
    plain = build_pairs(corpus, items, [], 10_000, seed=0, top=3)
    reworded = build_pairs(corpus, items, [], 10_000, seed=0, top=3, drop_shared=1.0)
    asked = {q.id: q.question for q in items}
    changed = {p.question_id for p in reworded.pairs if p.question != asked[p.question_id]}
    assert changed and all(p.question == asked[p.question_id] for p in plain.pairs)
    for qid in changed:
        assert len({p.question for p in reworded.pairs if p.question_id == qid}) == 1


def test_an_answer_led_by_a_preposition_is_withheld_with_it() -> None:
    sentence = "The vessel is being built by Halvard Yards in Norway."
    assert withheld(sentence, ["Halvard Yards"]) == "The vessel is being built in Norway."


def test_an_answer_set_off_by_commas_is_withheld_with_them() -> None:
    sentence = "Its chief executive, Ana Ruiz, said the chain would hire."
    assert withheld(sentence, ["Ana Ruiz"]) == "Its chief executive said the chain would hire."


def test_an_answer_that_cannot_go_without_breaking_the_sentence_is_not_withheld() -> None:
    assert withheld("Ana Ruiz runs the bakery chain now.", ["Ana Ruiz"]) is None


def test_a_withheld_pair_is_its_answer_s_sentence_without_the_answer() -> None:
    articles, items = _data()
    corpus = Corpus(articles)
    pairs = build_pairs(corpus, items, [], 10_000, seed=0, top=3, not_here=0.0, withhold=1.0)
    hidden = [p for p in pairs.pairs if p.kind == "withheld"]
    by_id = {q.id: q for q in items}
    assert hidden and all(p.label == 0 for p in hidden)
    for p in hidden:
        assert by_id[p.question_id].answers[0] not in p.sentence
        assert p.sentence.startswith("The harbour of town") and "was rebuilt." in p.sentence
    plain = build_pairs(corpus, items, [], 10_000, seed=0, top=3, not_here=0.0)
    assert [p for p in pairs.pairs if p.kind != "withheld"] == plain.pairs


def test_test_questions_come_from_heldout_articles_only() -> None:
    articles, items = _data()
    corpus = Corpus(articles)
    held = heldout_articles([a.id for a in articles], 0.34, seed=3)
    tests = heldout_questions(corpus, items, held, 100, seed=0, top=3)
    assert len(tests) == 6 * len(held)
    for t in tests:
        assert t.item.article_id in held
        assert any(c.holds for c in t.candidates)
        assert all(c.article_id != t.item.article_id for c in t.elsewhere)
        assert t.candidates[0].context.startswith("Town ")


def test_a_tokenizer_of_another_kind_is_refused(folder: Path) -> None:
    data = json.loads((folder / TOKENIZER_FILE).read_text())
    data["model"]["type"] = "WordLevel"
    (folder / TOKENIZER_FILE).write_text(json.dumps(data))
    _provenance(folder)
    with pytest.raises(RerankerCorrupt, match="not BERT's WordPiece"):
        Reranker.load(folder)


def test_the_natural_set_report_ranks_each_answer_among_all_stories(
    folder: Path, tmp_path: Path
) -> None:
    stories = tmp_path / "natural"
    stories.mkdir()
    (stories / "fest.md").write_text(
        "# River festival\n\nRain fell all day. Tickets sold out. The festival opened in June."
    )
    (stories / "city.md").write_text("# Paris\n\nParis is a city.")
    cases = [
        {"question": QUESTION, "article": "fest", "answer": "opened in June"},
        {"question": "When did the rain stop?", "article": "fest", "answer": "Rain fell"},
        {"question": "Who is the mayor?", "article": None, "answer": None},
    ]
    (stories / "questions.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    report = rank_report(Reranker.load(folder), stories)
    # The tiny model weighs the sentence's words alone: "June" and "opened" come first.
    assert report["answerable"] == 2 and report["first"] == 1
    assert report["mean_rank"] > 0
    assert report["answerable_vs_not_auc"] == 0.5
