"""Helpers for a teaching suite on neural style transfer in TensorFlow 2.

The modules at the top are the lessons, in the order the notebooks teach them:

* :mod:`~nst_helpers.images` — load, scale, save and list the bundled images (notebook 01);
* :mod:`~nst_helpers.models` — the VGG backbone and ``StyleContentModel`` (notebooks 01, 03);
* :mod:`~nst_helpers.losses` — ``gram_matrix`` and the content, style and total-variation losses
  (notebooks 02, 03);
* :mod:`~nst_helpers.adam` — the Adam update with the TF tutorial's settings (notebook 03);
* :mod:`~nst_helpers.gatys` — the Gatys et al. loop, ``stylize`` (notebook 03);
* :mod:`~nst_helpers.magenta` — the Magenta fast path, ``load_stylizer`` (notebook 04);
* :mod:`~nst_helpers.controls` — colour preservation, mixing styles, style scale (notebook 06);
* :mod:`~nst_helpers.adain` — AdaIN and a mean/std style loss (notebook 06);
* :mod:`~nst_helpers.plotting` — side-by-side images, loss curves, snapshot grids;
* :mod:`~nst_helpers.exercises` — checkers for the notebooks' exercises;
* shared: :mod:`~nst_helpers.errors` (``NSTError``), :mod:`~nst_helpers.config` (environment and
  hardware), :mod:`~nst_helpers.options` (the options of a run, checked once).

The engineering lives in sub-packages, each opening with what it holds:
:mod:`~nst_helpers.speed` (the fast solver, bfloat16, a run's books; notebook 05),
:mod:`~nst_helpers.sources` (where the models come from, online or offline),
:mod:`~nst_helpers.streams` (folders and videos), :mod:`~nst_helpers.cli` (the command line,
``python -m nst_helpers``, and student copies) and :mod:`~nst_helpers.ui` (the panels).

Every bad input raises :class:`NSTError`. Importing the package does not import TensorFlow; the
names below load their module on first use.
"""

import importlib

from .errors import NSTError

__version__ = "0.1.0"

_LAZY = {
    "gram_matrix": "losses",
    "style_content_loss": "losses",
    "list_images": "images",
    "load_image": "images",
    "save_image": "images",
    "scale_to_max_dim": "images",
    "load_backbone": "models",
    "stylize": "gatys",
    "load_stylizer": "magenta",
    "stylize_folder": "streams.folders",
    "stylize_video": "streams.video",
}

__all__ = ["NSTError", *_LAZY]


def __getattr__(name: str):
    """Import the module that defines ``name`` on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The package's names, the lazily loaded ones too, for tab completion."""
    return sorted({*globals(), *_LAZY})
