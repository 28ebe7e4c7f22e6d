"""Training pairs and held-out test questions for the sentence reranker, split by article.

Torch-free, so the split can be tested without the training extra. Used by
``bench.train_reranker``; reads SQuAD train as ``../shared/eval`` lays it out (articles with
paragraphs joined by a blank line; questions with the index of their answer's paragraph).

- **Split.** A seeded share of the articles is held out (``heldout_articles``): none of their
  questions and none of their sentences is ever trained on, and the reported figures are
  measured on their questions only. The questions ``qabot eval --sample 5000 --seed 0``
  reports on are also kept out of training (``eval_question_ids``), as in
  ``bench.fit_answerer``, so that ``qabot eval`` with the reranker stays honest.
- **Pairs.** For a training question: positives are the sentences of its answer's paragraph
  that hold the answer (SQuAD's normalized containment); hard negatives are the other
  sentences of that paragraph and the sentences of the best BM25 paragraphs that lack the
  answer, the ones sharing most of the question's idf weight first. A seeded share of the
  questions instead become "not here" questions: their own article is left out of the
  search, as for a question the bot's articles do not answer, and their best candidates are
  all negatives.
- **Other words** (``--drop-shared``, off by default). SQuAD's questions reuse their answer
  sentence's words, chat users' do not. A seeded share of the questions (here and not here
  alike) lose about half of the content words they share with their answer's sentence
  (``without_shared_words``), so that the model cannot lean on the overlap alone.
- **Answer withheld** (``--withheld``, off by default). SQuAD v1.1 has no question its
  paragraph leaves open, so the nearest miss a model meets is a sentence on another point.
  A seeded share of the questions also get their answer's sentence with the answer cut out
  where the rest still reads as a sentence ("built in Norway" for "who builds the ferry?",
  ``withheld``): on the question's topic, in its words, and no answer; what a chat user's
  question about something the article does not say meets. Tried at 1.0 and not kept: the
  natural set's unanswerable questions fared worse (``docs/benchmarks.md``).
- **Candidates.** Sentences are split by qabot's own splitter (``corpus.split``), and each
  carries its context as the runtime builds it (``index.answer.reranker.context_of``: the
  article's title and the sentence before it). Retrieval is a small BM25 of its own over
  paragraphs with their article's title (qabot's analyzer, k1 0.9, b 0.4, idf
  log((n + 1) / df), no BM25Plus delta): it only has to pick hard negatives, so it does not
  need ``index.search``'s exact rank-bm25 scores.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.evaluation.command import load_jsonl
from bot.evaluation.metrics import contains
from corpus.split import sentences as split_sentences
from index.answer.reranker import context_of
from index.search.analyze import Analyzer

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
ARTICLES_FILE = "squad-train.articles.jsonl"
QUESTIONS_FILE = "squad-train.questions.jsonl"
SPLIT_RULE = (
    "sort the article ids, shuffle them with random.Random(seed), hold out the first "
    "round(fraction * number of articles)"
)
K1, B = 0.9, 0.4
_MARKS = "?.,;:!\"'()"
WH_WORDS = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how"})
_PREPOSITION = (
    r"(?:in|on|at|by|from|of|for|to|with|during|since|until|after|before|around|about|near"
    r"|into|than|under|over|through|between|within|across|against|among|via)"
)


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Item:
    """One SQuAD question; ``paragraph`` indexes its article's paragraphs."""

    id: str
    article_id: str
    question: str
    answers: tuple[str, ...]
    paragraph: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence offered for a question, with its context and whether it holds the answer."""

    text: str
    context: str
    article_id: str
    doc: int
    rank: int
    holds: bool


@dataclass(frozen=True, slots=True)
class Pair:
    """One training example: does ``sentence`` (read with ``context``) answer ``question``."""

    question_id: str
    article_id: str
    question: str
    sentence: str
    context: str
    label: int
    kind: str  # positive, paragraph, retrieved, not_here, withheld
    sentence_article: str


@dataclass(slots=True)
class HeldoutQuestion:
    """A held-out question with its candidates from the full index and with its article left
    out (the "not here" case)."""

    item: Item
    candidates: list[Candidate]
    elsewhere: list[Candidate]


@dataclass(slots=True)
class PairSet:
    pairs: list[Pair]
    questions: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


def load(folder: Path = EVAL) -> tuple[list[Article], list[Item]]:
    """The articles and questions of ``folder`` (file order kept: samples depend on it)."""
    articles = [
        Article(r["id"], str(r["title"]).replace("_", " "), tuple(r["text"].split("\n\n")))
        for r in load_jsonl(folder / ARTICLES_FILE)
    ]
    items = [
        Item(r["id"], r["article_id"], r["question"], tuple(r["answers"]), int(r["paragraph"]))
        for r in load_jsonl(folder / QUESTIONS_FILE)
    ]
    return articles, items


def heldout_articles(article_ids: Iterable[str], fraction: float, seed: int) -> list[str]:
    """The articles never trained on (``SPLIT_RULE``), sorted."""
    order = sorted(set(article_ids))
    random.Random(seed).shuffle(order)
    return sorted(order[: round(fraction * len(order))])


def eval_question_ids(items: Sequence[Item], n: int, seed: int) -> set[str]:
    """The ids of the questions ``qabot eval --sample n --seed seed`` reports on."""
    if n <= 0:
        return set()
    from bot.evaluation.command import sample

    return {q.id for q in sample(items, n, seed)}  # type: ignore[arg-type]


class Corpus:
    """The paragraphs of all articles: BM25 search and sentences with their contexts."""

    def __init__(self, articles: Sequence[Article], analyzer: Analyzer | None = None) -> None:
        self.analyzer = analyzer or Analyzer()
        self.articles = {a.id: a for a in articles}
        self.docs: list[tuple[str, int]] = []  # (article id, paragraph index)
        self.first_doc: dict[str, int] = {}
        for a in articles:
            self.first_doc[a.id] = len(self.docs)
            self.docs.extend((a.id, i) for i in range(len(a.paragraphs)))
        self._number = {a: i for i, a in enumerate(self.articles)}
        self._article_of = np.array([self._number[a] for a, _ in self.docs], dtype=np.int64)
        self._index([self.text(d, with_title=True) for d in range(len(self.docs))])
        self._sentences: dict[int, list[str]] = {}

    def _index(self, texts: list[str]) -> None:
        """Posting lists per term: (documents, term frequencies); idf and length norms."""
        postings: dict[str, tuple[list[int], list[int]]] = {}
        lengths = np.zeros(len(texts))
        for doc, text in enumerate(texts):
            terms = self.analyzer(text)
            lengths[doc] = len(terms)
            for term, tf in Counter(terms).items():
                docs, tfs = postings.setdefault(term, ([], []))
                docs.append(doc)
                tfs.append(tf)
        n = len(texts)
        self.postings = {
            t: (np.array(d, dtype=np.int64), np.array(f, dtype=np.float64))
            for t, (d, f) in postings.items()
        }
        self.idf = {t: math.log((n + 1) / len(d)) for t, (d, _) in postings.items()}
        avgdl = float(lengths.mean()) if n else 1.0
        self.norm = 1 - B + B * lengths / max(avgdl, 1e-9)

    def text(self, doc: int, with_title: bool = False) -> str:
        article_id, i = self.docs[doc]
        article = self.articles[article_id]
        body = article.paragraphs[i]
        return f"{article.title}\n{body}" if with_title else body

    def search(self, question: str, k: int, exclude: Collection[str] = ()) -> list[int]:
        """The ``k`` best paragraphs for the question, best first, none of ``exclude``'s."""
        scores = np.zeros(len(self.docs))
        for term in self.analyzer(question):
            found = self.postings.get(term)
            if found is not None:
                docs, tf = found
                scores[docs] += self.idf[term] * tf * (K1 + 1) / (tf + K1 * self.norm[docs])
        if exclude:
            numbers = [self._number[a] for a in exclude if a in self._number]
            scores[np.isin(self._article_of, numbers)] = 0.0
        best = np.argsort(-scores, kind="stable")[:k]
        return [int(d) for d in best if scores[d] > 0]

    def sentences(self, doc: int) -> list[str]:
        """The paragraph's sentences by qabot's splitter (memoized)."""
        found = self._sentences.get(doc)
        if found is None:
            found = [s.text for s in split_sentences(self.text(doc))]
            self._sentences[doc] = found
        return found

    def contexts(self, doc: int) -> list[str]:
        """Each sentence's context: the title and the sentence before it in the article."""
        article_id, i = self.docs[doc]
        title = self.articles[article_id].title
        own = self.sentences(doc)
        before = self.sentences(doc - 1)[-1:] if i > 0 and self.sentences(doc - 1) else []
        previous: list[str | None] = [*before, *own[:-1]] if before else [None, *own[:-1]]
        return [context_of(title, p) for p in previous]

    def candidates(self, docs: Sequence[int], answers: Sequence[str]) -> list[Candidate]:
        """The sentences of ``docs`` in rank order, each marked by whether it holds an answer."""
        out = []
        for rank, doc in enumerate(docs):
            for text, context in zip(self.sentences(doc), self.contexts(doc), strict=True):
                out.append(
                    Candidate(text, context, self.docs[doc][0], doc, rank, contains(text, answers))
                )
        return out

    def overlap(self, question: str, texts: Sequence[str]) -> NDArray[np.float64]:
        """Each text's idf-weighted overlap with the question's terms (the baseline's score)."""
        q = set(self.analyzer(question))
        return np.array(
            [math.fsum(self.idf.get(t, 0.0) for t in q & set(self.analyzer(s))) for s in texts]
        )


def hardest(corpus: Corpus, question: str, pool: list[Candidate], n: int) -> list[Candidate]:
    """The ``n`` candidates sharing most of the question's weight (rank breaks ties)."""
    if n <= 0 or not pool:
        return []
    overlap = corpus.overlap(question, [c.text for c in pool])
    order = sorted(range(len(pool)), key=lambda i: (-overlap[i], pool[i].rank, i))
    return [pool[i] for i in order[:n]]


def without_shared_words(
    question: str, sentence: str, analyze: Analyzer, rng: random.Random
) -> str:
    """``question`` less about half of its content words that ``sentence`` also has (at
    least one, and never its last content word), their punctuation kept: asked as if in
    other words."""
    held = set(analyze(sentence))
    chunks = question.split()
    content = [i for i, c in enumerate(chunks) if c.lower().strip(_MARKS) not in WH_WORDS]
    content = [i for i in content if analyze(chunks[i])]
    shared = [i for i in content if set(analyze(chunks[i])) & held]
    n = min(max(1, len(shared) // 2), len(content) - 1)
    if not shared or n <= 0:
        return question
    for i in rng.sample(shared, n):
        chunks[i] = chunks[i][len(chunks[i].rstrip(_MARKS)) :]  # "Malaysia?" -> "?"
    return re.sub(r"\s+([?.,;:!])", r"\1", " ".join(c for c in chunks if c))


def withheld(sentence: str, answers: Sequence[str]) -> str | None:
    """``sentence`` without its answer, where the answer can go and leave a sentence: a
    phrase led by a preposition ("built by Halvard Yards in Norway" -> "built in Norway") or
    one set off by commas or brackets ("Its chief executive, Ana Ruiz, said" -> "Its chief
    executive said"). No filler word stands in, so the model cannot learn to spot one. None
    where cutting the answer would break the sentence, a copy of it stays, or fewer than four
    words are left."""
    for answer in sorted({a.strip() for a in answers if a.strip()}, key=len, reverse=True):
        a = re.escape(answer)
        for pattern, by in (
            (rf"\s*\b{_PREPOSITION}\s+(?:the\s+|an?\s+)?{a}\b", ""),
            (rf",\s*{a}\s*,", ""),
            (rf"\s*\(\s*{a}\s*\)", ""),
        ):
            out, n = re.subn(pattern, by, sentence, count=1, flags=re.IGNORECASE)
            if n:
                out = re.sub(r"\s+([,.;:!?])", r"\1", out).strip(" ,;:")
                out = out[:1].upper() + out[1:]
                if contains(out, answers) or len(out.split()) < 4:
                    return None
                return out
    return None


def question_pairs(
    corpus: Corpus,
    item: Item,
    rng: random.Random,
    *,
    not_here: bool,
    top: int,
    heldout: Collection[str],
    per_kind: int,
    reword: random.Random | None = None,
    withhold: bool = False,
) -> list[Pair]:
    """The pairs of one training question (none when its answer is in no single sentence);
    with ``reword``, asked without some of the words it shares with its answer's sentence;
    with ``withhold``, one more negative: its answer's sentence with the answer withheld."""
    gold_doc = corpus.first_doc[item.article_id] + item.paragraph
    own = corpus.candidates([gold_doc], item.answers)
    positives = [c for c in own if c.holds][:per_kind]
    asked = item.question
    if reword is not None and positives:
        asked = without_shared_words(item.question, positives[0].text, corpus.analyzer, reword)

    def pair(c: Candidate, label: int, kind: str) -> Pair:
        return Pair(item.id, item.article_id, asked, c.text, c.context, label, kind, c.article_id)

    if not_here:
        docs = corpus.search(item.question, top, exclude={*heldout, item.article_id})
        pool = [c for c in corpus.candidates(docs, item.answers) if not c.holds]
        return [pair(c, 0, "not_here") for c in hardest(corpus, item.question, pool, 2 * per_kind)]
    if not positives:
        return []
    same = [c for c in own if not c.holds]
    rng.shuffle(same)
    docs = [d for d in corpus.search(item.question, top, exclude=heldout) if d != gold_doc]
    retrieved = [c for c in corpus.candidates(docs, item.answers) if not c.holds]
    hidden = withheld(positives[0].text, item.answers) if withhold else None
    if hidden is not None and contains(positives[0].context, item.answers):
        hidden = None  # the context would still give the answer away
    return [
        *(pair(c, 1, "positive") for c in positives),
        *(pair(c, 0, "paragraph") for c in same[:per_kind]),
        *(pair(c, 0, "retrieved") for c in hardest(corpus, item.question, retrieved, per_kind)),
        *([pair(replace(positives[0], text=hidden, holds=False), 0, "withheld")] if hidden else []),
    ]


def build_pairs(
    corpus: Corpus,
    items: Sequence[Item],
    heldout: Collection[str],
    n_pairs: int,
    seed: int,
    *,
    not_here: float = 0.2,
    top: int = 5,
    per_kind: int = 2,
    excluded_questions: Collection[str] = (),
    drop_shared: float = 0.0,
    withhold: float = 0.0,
) -> PairSet:
    """About ``n_pairs`` pairs from seeded training questions (never a held-out article's).

    Questions are taken in a seeded order until the pairs are enough; the last question's
    pairs are cut to make exactly ``n_pairs`` (fewer only when the questions run out). A
    ``drop_shared`` share of them is reworded, and a ``withhold`` share of them gets a
    ``withheld`` negative (each with its own seeded draws: with 0 the pairs are those of a
    build without it).
    """
    held = set(heldout)
    pool = [q for q in items if q.article_id not in held and q.id not in excluded_questions]
    rng = random.Random(seed)
    rng.shuffle(pool)
    reword = random.Random(seed + 1)
    hide = random.Random(seed + 2)
    out = PairSet([])
    for item in pool:
        if len(out.pairs) >= n_pairs:
            break
        here = rng.random() >= not_here
        reworded = drop_shared > 0 and reword.random() < drop_shared
        withholding = withhold > 0 and hide.random() < withhold
        found = question_pairs(
            corpus,
            item,
            rng,
            not_here=not here,
            top=top,
            heldout=held,
            per_kind=per_kind,
            reword=reword if reworded else None,
            withhold=withholding,
        )
        if found:
            out.questions += 1
            out.pairs.extend(found[: n_pairs - len(out.pairs)])
    out.kinds = Counter(p.kind for p in out.pairs)
    return out


def heldout_questions(
    corpus: Corpus, items: Sequence[Item], heldout: Collection[str], n: int, seed: int, top: int
) -> list[HeldoutQuestion]:
    """A seeded sample of ``n`` held-out questions with their candidates, both ways."""
    held = set(heldout)
    pool = [q for q in items if q.article_id in held]
    picked = sorted(random.Random(seed).sample(range(len(pool)), min(n, len(pool))))
    out = []
    for i in picked:
        item = pool[i]
        here = corpus.candidates(corpus.search(item.question, top), item.answers)
        away = corpus.search(item.question, top, exclude={item.article_id})
        out.append(HeldoutQuestion(item, here, corpus.candidates(away, item.answers)))
    return out
