"""``python -m nst_helpers``: see :mod:`nst_helpers.cli.main`."""

import sys

from .cli.main import main

sys.exit(main())
