"""A question → ranked quotes: the query, the engine, the answer sentence and span."""

__all__: list[str] = []
