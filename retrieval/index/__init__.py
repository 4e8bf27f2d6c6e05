"""Terms → BM25 fields on disk: weights, the posting layout, kernels, building and the index folder."""

__all__: list[str] = []
