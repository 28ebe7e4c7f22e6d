"""Citations: the sources an answer numbers, and its quotes in reading order."""

from __future__ import annotations

from collections.abc import Sequence

from corpus.models import Sentence
from index.answer.candidates import Candidate
from index.answer.qtype import Span
from index.answer.ranking import Ranked
from index.models import Hit, Quote, Source

MORE = 3  # the next best sentences an answer offers beside its quotes


def sources(hits: Sequence[Hit], cited: list[int] | None) -> tuple[Source, ...]:
    """The cited articles numbered in the order given; without ``cited``, the 3 closest."""
    first: dict[int, Hit] = {}
    for h in hits:
        first.setdefault(h.article_id, h)
    ids = cited if cited is not None else list(first)[:3]
    return tuple(
        Source(n, a, first[a].title, first[a].url, first[a].published, first[a].source)
        for n, a in enumerate(ids, start=1)
    )


def quotes(
    picked: list[tuple[Candidate, Sentence, float]],
    cited: tuple[Source, ...],
    best: Candidate,
    span: Span | None,
) -> tuple[Quote, ...]:
    """The picked sentences by source number, then reading order; the short answer marked in
    the best sentence."""
    number = {s.article_id: s.n for s in cited}
    return tuple(
        Quote(
            s.text,
            number[c.hit.article_id],
            c.hit.article_id,
            c.hit.passage_id,
            s.position,
            score,
            (span.start, span.end) if span and c is best and s is best.sentence else None,
        )
        for c, s, score in sorted(
            picked, key=lambda p: (number[p[0].hit.article_id], p[1].position)
        )
    )


def more(ranked: Ranked, chosen: list[Candidate], cited: tuple[Source, ...]) -> tuple[Quote, ...]:
    """The best candidates not quoted; cited 0 when their article is not among the sources."""
    number = {s.article_id: s.n for s in cited}
    used = {id(c) for c in chosen}
    return tuple(
        quote(c, number.get(c.hit.article_id, 0), s)
        for c, s in zip(ranked.candidates, ranked.scores, strict=True)
        if id(c) not in used
    )[:MORE]


def unnumbered(chosen: list[Candidate], scores: list[float]) -> tuple[Quote, ...]:
    """What a declined answer would have quoted, cited 0: it cites no source."""
    return tuple(quote(c, 0, s) for c, s in zip(chosen, scores, strict=False))


def quote(c: Candidate, citation: int, score: float) -> Quote:
    """A candidate sentence as a quote."""
    s = c.sentence
    return Quote(s.text, citation, c.hit.article_id, c.hit.passage_id, s.position, score)
