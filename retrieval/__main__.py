"""`python -m retrieval`: the maintainers' command line."""

import sys

from retrieval.cli import main

if __name__ == "__main__":
    sys.exit(main())
