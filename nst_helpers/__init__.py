"""Helpers for a teaching suite on neural style transfer in TensorFlow 2.

Modules, one per topic:

* :mod:`nst_helpers.images` — load, scale, save and list the bundled images;
* :mod:`nst_helpers.downloads` — images from http(s) URLs: size cap, timeout, cache;
* :mod:`nst_helpers.models` — the VGG backbones (online VGG19, offline ``vgg16-hed``) and
  ``StyleContentModel``, the plain style and content extractor;
* :mod:`nst_helpers.layerwise` — the same extractor run layer by layer: bfloat16, blocks, strips;
* :mod:`nst_helpers.losses` — ``gram_matrix`` and the content, style and total-variation losses;
* :mod:`nst_helpers.gatys` — the Gatys et al. loop with Adam or L-BFGS (its old name,
  ``nst_helpers.optimize``, still imports);
* :mod:`nst_helpers.adam` — the Adam update with the TF tutorial's settings;
* :mod:`nst_helpers.lbfgs` — the projected L-BFGS solver in NumPy (taken apart in notebook 05);
* :mod:`nst_helpers.lbfgs_tf` — the same solver in TensorFlow ops, which the loop runs;
* :mod:`nst_helpers.runlog` — a run's history, best image and stopping rules;
* :mod:`nst_helpers.magenta` — the Magenta arbitrary-image-stylization fast path (its old name,
  ``nst_helpers.fast``, still imports);
* :mod:`nst_helpers.controls` — colour preservation, mixing styles, style scale (notebook 06;
  their values and flags in :mod:`nst_helpers.control_options`);
* :mod:`nst_helpers.adain` — AdaIN and a mean/std style loss (notebook 06);
* :mod:`nst_helpers.batch` — a folder of photos: ``stylize_folder``;
* :mod:`nst_helpers.video` — a video, frames streamed in and out: ``stylize_video``;
* :mod:`nst_helpers.streaming` — the threads and queues both use, the style vector made once;
* :mod:`nst_helpers.plotting` — side-by-side images, loss curves, snapshot grids;
* :mod:`nst_helpers.widgets` — ipywidgets panels with sliders;
* :mod:`nst_helpers.pickers` — the panels' image pickers and uploads;
* :mod:`nst_helpers.exercises` — checkers for the notebooks' exercises;
* :mod:`nst_helpers.teach` — student copies of the notebooks, ``python -m nst_helpers.teach``;
* :mod:`nst_helpers.config` — settings from environment variables, and the hardware;
* :mod:`nst_helpers.cli` — the command line, ``python -m nst_helpers`` (folders and videos:
  :mod:`nst_helpers.cli_streams`).

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
    "stylize_folder": "batch",
    "stylize_video": "video",
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
