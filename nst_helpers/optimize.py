"""Old name of :mod:`nst_helpers.gatys`, kept so that ``from nst_helpers.optimize import …`` works.

The Gatys loop now lives in :mod:`nst_helpers.gatys`, its L-BFGS solver in :mod:`nst_helpers.lbfgs`
and the run's bookkeeping in :mod:`nst_helpers.runlog`. Importing this module gives you
:mod:`nst_helpers.gatys` itself, so old code sees the same objects (and patching one patches the
other).
"""

import sys

from . import gatys

sys.modules[__name__] = gatys
