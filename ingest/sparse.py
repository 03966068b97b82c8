"""BM25 sparse vectors with Qdrant's own tokenizer (qdrant-edge-py), IDF applied by the collection."""

from __future__ import annotations

from haystack.dataclasses import SparseEmbedding

# Average chunk length in tokens after stop-word removal; BM25's length normalisation uses it.
DEFAULT_AVG_LEN = 75.0


class Bm25Encoder:
    """Term-frequency side of BM25 for documents, unit weights for queries.

    The IDF half lives in the Qdrant collection (sparse vectors with the IDF modifier), so
    scores stay correct as the corpus changes without re-encoding anything.
    """

    def __init__(self, avg_len: float = DEFAULT_AVG_LEN, k: float = 1.2, b: float = 0.75) -> None:
        if avg_len <= 0 or k <= 0 or not 0 <= b <= 1:
            raise ValueError("Bm25Encoder needs avg_len > 0, k > 0 and 0 <= b <= 1")
        self.avg_len, self.k, self.b = avg_len, k, b
        self._model = None

    @property
    def model(self):  # noqa: ANN201 - qdrant_edge.Bm25, loaded lazily
        if self._model is None:
            from qdrant_edge import Bm25, Bm25Config

            # ASCII folding: agents type "fiance" where the form says "fiancé(e)".
            self._model = Bm25(Bm25Config(k=self.k, b=self.b, avg_len=self.avg_len, ascii_folding=True))
        return self._model

    def encode_document(self, text: str) -> SparseEmbedding:
        v = self.model.embed_document(text)
        return SparseEmbedding(indices=list(v.indices), values=[float(x) for x in v.values])

    def encode_query(self, text: str) -> SparseEmbedding:
        v = self.model.embed_query(text)
        return SparseEmbedding(indices=list(v.indices), values=[float(x) for x in v.values])
