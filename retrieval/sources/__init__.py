"""Bulletin files → articles → passages: decoding, the page and JSON Lines readers, passage cutting."""

__all__: list[str] = []
