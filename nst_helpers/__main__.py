"""``python -m nst_helpers``: see :mod:`nst_helpers.cli`."""

import sys

from .cli import main

sys.exit(main())
