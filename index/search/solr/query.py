"""Questions as Solr queries over the pre-analyzed ``terms`` field.

A question's terms (qabot's analyzer made them) become one Lucene query that ORs them, a
term repeated in the question boosted by its count: Lucene's score of a boolean OR is the
sum of its clauses' BM25 scores, and a boost multiplies a clause's score, so the score is
sum over terms of count * idf * tf / (tf + k1 * (1 - b + b * dl / avgdl)) — Lucene's BM25
with each repeat of a query term counted, as the embedded engine counts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

FIELD = "terms"
# Characters the Lucene query parser reads as syntax; each is escaped with a backslash.
_SPECIAL = frozenset('\\+-!():^[]"{}~*?|&/')
_OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})
MAX_CLAUSES = 1024  # Solr's default maxBooleanClauses (solrconfig.xml)


def escape(term: str) -> str:
    """A term as the Lucene query parser reads it literally.

    Syntax characters get a backslash; so does white space (no analyzed term has any) and
    an upper-case operator word (``AND``), which would otherwise be read as an operator.
    """
    out = "".join(f"\\{c}" if c in _SPECIAL or c.isspace() else c for c in term)
    if out in _OPERATORS:
        out = "\\" + out
    return out


def counted(terms: Iterable[str]) -> list[tuple[str, int]]:
    """Distinct terms with how often each occurs, in order of first occurrence; at most
    ``MAX_CLAUSES`` of them."""
    return list(Counter(t for t in terms if t).items())[:MAX_CLAUSES]


def terms_query(terms: Sequence[tuple[str, int]]) -> str:
    """The Lucene query of counted terms, e.g. ``{!lucene df=terms q.op=OR cache=false}a^2 b``.

    ``cache=false``: a shard's query result cache is keyed without the collection-wide
    statistics (``ExactStatsCache``), and with it Solr 9.10 answered some questions with
    scores from the shard's own statistics (measured: tests/test_solr_search.py); without
    it every score is the collection-wide one.
    """
    clauses = (escape(t) if n == 1 else f"{escape(t)}^{n}" for t, n in terms)
    return f"{{!lucene df={FIELD} q.op=OR cache=false}}{' '.join(clauses)}"


def term_list(terms: Iterable[str]) -> str:
    """The terms component's ``terms.list``: comma-separated, a comma in a term escaped."""
    return ",".join(t.replace("\\", "\\\\").replace(",", "\\,") for t in terms)
