"""The extractive answerer: ranks the sentences of the retrieved passages, picks the quotes
and decides whether to decline, with trees fitted offline into ``answerer.json``."""

from index.answer.answerer import Answerer, AnswerSettings

__all__ = ["AnswerSettings", "Answerer"]
