"""Retrieval core: bulletins in, verbatim answers out.

Import the parts you need (``retrieval.search.Engine``, ``retrieval.build.build_index``);
nothing heavy is loaded here.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
