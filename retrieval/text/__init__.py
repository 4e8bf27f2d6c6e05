"""Text → terms, the same for bulletins and questions: normalisation, the lexicon, pyvi, the analyzer."""

__all__: list[str] = []
