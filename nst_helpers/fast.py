"""The old name of :mod:`nst_helpers.magenta`, kept so that ``nst_helpers.fast`` still imports.

New code imports :mod:`nst_helpers.magenta`; this module is that one under its old name, so that
``nst_helpers.fast.load_stylizer is nst_helpers.magenta.load_stylizer``.
"""

import sys

from . import magenta

sys.modules[__name__] = magenta
