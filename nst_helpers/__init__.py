"""Helpers for a teaching suite on neural style transfer in TensorFlow 2.

Modules, one per topic:

* :mod:`nst_helpers.images` — load, scale, save and list the bundled images;
* :mod:`nst_helpers.models` — the VGG backbones (online VGG19, offline ``vgg16-hed``);
* :mod:`nst_helpers.losses` — ``gram_matrix`` and the content, style and total-variation losses;
* :mod:`nst_helpers.optimize` — the Gatys et al. loop with Adam or L-BFGS;
* :mod:`nst_helpers.fast` — the Magenta arbitrary-image-stylization fast path;
* :mod:`nst_helpers.plotting` — side-by-side images, loss curves, snapshot grids;
* :mod:`nst_helpers.widgets` — ipywidgets panels with sliders;
* :mod:`nst_helpers.cli` — the command line, ``python -m nst_helpers``.

Every bad input raises :class:`NSTError`.
"""

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from .errors import NSTError  # noqa: E402
from .images import list_images, load_image, save_image, scale_to_max_dim  # noqa: E402
from .losses import gram_matrix, style_content_loss  # noqa: E402

__all__ = [
    "NSTError",
    "gram_matrix",
    "list_images",
    "load_image",
    "save_image",
    "scale_to_max_dim",
    "style_content_loss",
]
__version__ = "0.1.0"
