"""Search on SolrCloud: the embedded retriever's interface over a SolrCloud collection.

- ``client``: an async client on httpx that fails over from node to node
  (``SearchUnavailable`` when none answers);
- ``query``: questions' pre-analyzed terms as Lucene queries;
- ``documents``: passages as documents, indexing and deleting them;
- ``retriever``: ``SolrRetriever``, what the answerer reads of a retriever;
- ``admin``: the configset and the collection (``qabot solr init``).
"""

from index.search.solr.client import SearchUnavailable, SolrClient, SolrError, SolrSettings
from index.search.solr.retriever import SolrRetriever, SolrRetrieverSettings

__all__ = [
    "SearchUnavailable",
    "SolrClient",
    "SolrError",
    "SolrRetriever",
    "SolrRetrieverSettings",
    "SolrSettings",
]
