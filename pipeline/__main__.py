"""Entry point for ``python -m pipeline``."""

import sys

from pipeline.cli import main

__all__: list[str] = []

sys.exit(main())
