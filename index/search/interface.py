"""What the answerer and the engine use of a retriever, whichever engine searches.

The embedded ``index.search.retriever.Retriever`` and ``index.search.solr.SolrRetriever``
both have it; the answerer (``index.answer.answerer``) and the engine (``bot.engine``) need
nothing more:

- ``search``: the best passages as ``Hit``s (text, sentences and their terms, article
  metadata); it records the question's language for the answerer;
- ``idf``: the embedded engine's idf of analyzed terms (the answerer's features read it);
- ``analyzer``: text to terms, in the language of the question being answered;
- ``index``: ``len`` (live passages), ``params`` (BM25) and ``snapshot.n_docs`` /
  ``snapshot.all_df`` (for the idf of a term found once);
- ``store.sentences``: an article's sentences by position (the one before a quote);
- ``sync`` (bring the index up to date, masking ``removed`` passages) and ``reindex``;
  ``progress`` (show progress bars while indexing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from corpus.models import Sentence
from index.models import Hit
from index.search.bm25 import BM25Params


class IndexFacts(Protocol):
    """The collection-wide numbers BM25's idf reads."""

    @property
    def n_docs(self) -> int: ...

    @property
    def all_df(self) -> NDArray[np.float64]: ...


class IndexView(Protocol):
    """The index as the answerer reads it."""

    @property
    def params(self) -> BM25Params: ...

    @property
    def snapshot(self) -> IndexFacts: ...

    def __len__(self) -> int: ...


class SentenceReader(Protocol):
    """Where an article's sentences are read by position."""

    async def sentences(self, article_id: int, positions: Iterable[int]) -> list[Sentence]: ...


class SearchBackend(Protocol):
    """A retriever: the embedded one or SolrCloud's."""

    progress: bool  # show progress bars while indexing (``qabot reindex`` sets it)

    @property
    def analyzer(self) -> Callable[[str], list[str]]: ...

    @property
    def index(self) -> IndexView: ...

    @property
    def store(self) -> SentenceReader: ...

    async def sync(self, removed: Sequence[int] = ()) -> None: ...

    async def reindex(self) -> None: ...

    async def search(
        self,
        query: str,
        k: int = 10,
        article_id: int | None = None,
        whole: bool = False,
        language: str | None = None,
    ) -> list[Hit]: ...

    def idf(self, terms: Sequence[str]) -> dict[str, float]: ...


if TYPE_CHECKING:  # mypy checks that both retrievers have the interface
    from index.search.retriever import Retriever
    from index.search.solr.retriever import SolrRetriever

    def _conforms(embedded: Retriever, solr: SolrRetriever) -> list[SearchBackend]:
        return [embedded, solr]
