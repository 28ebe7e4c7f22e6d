"""The BM25 search engine: analyzed terms, an incremental inverted index kept in files beside
the database, and the retriever that serves passages with rank-bm25's exact scores."""

from index.search.analyze import Analyzer, AnalyzerConfig
from index.search.bm25 import BM25Params
from index.search.retriever import Retriever, RetrieverSettings

__all__ = ["Analyzer", "AnalyzerConfig", "BM25Params", "Retriever", "RetrieverSettings"]
