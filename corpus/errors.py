"""Errors a user can act on, each with a message that says what went wrong and what to do.

QabotError
├── IngestError            an input could not be turned into an article
│   ├── UnsupportedFile    unknown extension, binary data, a PDF with no text layer
│   ├── EmptyArticle       nothing left after cleaning
│   ├── TooLarge           above the configured size limit
│   ├── DecodeFailed       not valid UTF-8 text
│   └── FetchFailed        a URL that could not be fetched or is not an article
├── ArticleNotFound        no article has that id
└── RerankerError          (index.answer.reranker) the reranker's folder cannot be used
    ├── RerankerUnavailable  onnxruntime or tokenizers is not installed
    ├── RerankerMissing      a file of the folder is missing
    └── RerankerCorrupt      a file is damaged or does not match the provenance
"""

from __future__ import annotations


class QabotError(Exception):
    """Base of every error qabot reports to a user."""


class IngestError(QabotError):
    """An input could not be turned into an article."""


class UnsupportedFile(IngestError):
    pass


class EmptyArticle(IngestError):
    pass


class TooLarge(IngestError):
    pass


class DecodeFailed(IngestError):
    pass


class FetchFailed(IngestError):
    pass


class ArticleNotFound(QabotError):
    pass
