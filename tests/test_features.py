"""The comparisons among one question's candidates that ``index.answer.features.compare`` adds."""

from index.answer.features import BASE, NAMES, compare


def row(**values: float) -> list[float]:
    return [values.get(name, 0.0) for name in BASE]


def test_a_candidate_is_told_how_far_it_is_behind_the_best_one() -> None:
    rows = compare([row(sentence_bm25=0.8), row(sentence_bm25=0.5)], [0, 0])
    behind = NAMES.index("sentence_bm25_behind_best")
    assert [round(r[behind], 6) for r in rows] == [0.0, -0.3]


def test_behind_in_passage_compares_only_sentences_of_the_same_passage() -> None:
    rows = compare([row(coverage=0.9), row(coverage=0.4), row(coverage=0.6)], [0, 1, 1])
    behind = NAMES.index("coverage_behind_in_passage")
    assert [round(r[behind], 6) for r in rows] == [0.0, -0.2, 0.0]


def test_coverage_relative_is_a_share_of_the_best_coverage() -> None:
    rows = compare([row(coverage=0.8), row(coverage=0.2)], [0, 1])
    assert [r[NAMES.index("coverage_relative")] for r in rows] == [1.0, 0.25]


def test_no_candidates_give_no_rows() -> None:
    assert compare([], []) == []
