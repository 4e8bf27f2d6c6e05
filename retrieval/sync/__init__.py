"""Feeds: new articles fetched from the paper's RSS/Atom feeds into a JSON Lines archive the index is built from."""

__all__: list[str] = []
