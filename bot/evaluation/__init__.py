"""``qabot eval``: answer quality on question-answering data, against a plain rank-bm25 pipeline."""
