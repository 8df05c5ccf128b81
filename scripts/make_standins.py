"""Write local stand-ins for the two online model sources, to test their code paths offline.

These are **stand-ins with random or simple weights, not the real models**: they let the online
code paths (Keras' VGG19 weights loading, the TF Hub ``hub.load`` of Magenta's module) run on a
machine without a network, e.g. in CI. Pictures made with them are not style transfer.

* :func:`make_vgg19_weights` — Keras' VGG19 without its classifier, with seeded random weights,
  saved as a ``.weights.h5`` file (or, with ``legacy=True``, in the legacy Keras h5 format of the
  downloaded ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``). Point ``NST_VGG19_WEIGHTS``
  at it.
* :func:`make_magenta_savedmodel` — a tiny SavedModel with the Magenta module's call signature,
  ``module(content, style)[0]`` → ``[1, H, W, 3]`` in ``[0, 1]``, that moves each colour channel
  of the content to the style's mean and standard deviation. Point ``NST_MAGENTA_DIR`` at it.
* :func:`make_kaggle_cache` — a kagglehub cache that holds that SavedModel under the Kaggle handle
  of Magenta's model, so ``kagglehub.model_download`` finds it without a network. Point
  ``KAGGLEHUB_CACHE`` at it (with TF Hub unreachable, ``load_stylizer`` then loads Kaggle's copy).

Usage::

    python scripts/make_standins.py OUTDIR   # prints the two export lines to use them
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path

from nst_helpers.errors import NSTError

#: File name of the VGG19 stand-in that the command line writes.
VGG19_FILE = "vgg19_standin.weights.h5"
#: Folder name of the Magenta stand-in that the command line writes.
MAGENTA_FOLDER = "magenta_standin"
#: Folder name of the kagglehub cache that the command line writes.
KAGGLE_FOLDER = "kagglehub_cache"


def make_vgg19_weights(path: str | os.PathLike, seed: int = 0, legacy: bool = False) -> Path:
    """Save a VGG19 convolutional base (no classifier) with seeded random weights.

    The weights are Keras' initial ones for ``VGG19(include_top=False, weights=None)`` after
    ``tf.keras.utils.set_random_seed(seed)``, so the same seed gives the same file contents.
    ``tf.keras.applications.VGG19(include_top=False, weights=path)`` loads the file.

    Args:
        path: Where to write: a name ending in ``.weights.h5`` (Keras 3 format, written with
            ``model.save_weights``), or with ``legacy=True`` one ending in ``.h5`` but not
            ``.weights.h5`` (the legacy format of the downloaded
            ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``, written with h5py).
        seed: Random seed of the weights.
        legacy: Write the legacy Keras h5 format instead of ``.weights.h5``.

    Returns:
        The path written.

    Raises:
        NSTError: If ``path`` does not end as the format needs (Keras picks the reader by it).
    """
    path = Path(path)
    if legacy and (path.name.endswith(".weights.h5") or path.suffix != ".h5"):
        raise NSTError(
            f"path {path} must end in .h5 but not .weights.h5 for the legacy format (Keras reads "
            "a .weights.h5 name as the new format); e.g. vgg19_standin_legacy.h5"
        )
    if not legacy and not path.name.endswith(".weights.h5"):
        raise NSTError(
            f"path {path} must end in .weights.h5 (Keras saves weights only under such names); "
            "e.g. vgg19_standin.weights.h5, or pass legacy=True for a .h5 file"
        )
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.applications.VGG19(include_top=False, weights=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    if legacy:
        import h5py
        from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

        with h5py.File(path, "w") as file:
            save_weights_to_hdf5_group(file, model)
    else:
        model.save_weights(path)
    return path


def make_magenta_savedmodel(folder: str | os.PathLike) -> Path:
    """Save a tiny SavedModel with the Magenta arbitrary-image-stylization module's signature.

    ``module(content, style)`` takes two float32 ``[1, H, W, 3]`` images in ``[0, 1]`` of any
    sizes and returns a one-element tuple whose ``[0]`` is a ``[1, H, W, 3]`` image in ``[0, 1]``
    (the content's size): the content with each colour channel moved to the style's per-channel
    mean and standard deviation (a colour-statistics transfer), clipped to ``[0, 1]``. It loads
    with ``tensorflow_hub.load(folder)``.

    Args:
        folder: The folder to write the SavedModel into (made if missing; its SavedModel files
            are replaced).

    Returns:
        The folder.

    Raises:
        NSTError: If ``folder`` is an existing file.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NSTError(f"folder {folder} is a file; give a folder path for the SavedModel")
    import tensorflow as tf

    class ColourTransfer(tf.Module):
        """Magenta's call signature; moves the content's colour statistics to the style's."""

        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.float32)] * 2)
        def __call__(self, content: tf.Tensor, style: tf.Tensor) -> tuple[tf.Tensor]:
            content_mean, content_var = tf.nn.moments(content, axes=[1, 2], keepdims=True)
            style_mean, style_var = tf.nn.moments(style, axes=[1, 2], keepdims=True)
            scale = tf.sqrt(style_var + 1e-6) / tf.sqrt(content_var + 1e-6)
            image = (content - content_mean) * scale + style_mean
            return (tf.clip_by_value(image, 0.0, 1.0),)

    folder.mkdir(parents=True, exist_ok=True)
    tf.saved_model.save(ColourTransfer(), str(folder))
    return folder


def make_kaggle_cache(cache: str | os.PathLike, savedmodel: str | os.PathLike) -> Path:
    """Put a SavedModel into a kagglehub cache under the Kaggle handle of Magenta's model.

    kagglehub keeps a model version in ``models/OWNER/MODEL/FRAMEWORK/VARIATION/VERSION/`` of its
    cache (``$KAGGLEHUB_CACHE``) and marks it complete with a file ``VERSION.complete`` beside it;
    ``kagglehub.model_download(handle)`` then returns that folder without asking Kaggle.

    Args:
        cache: The cache folder to write (made if missing).
        savedmodel: The SavedModel folder to copy in (e.g. from :func:`make_magenta_savedmodel`).

    Returns:
        The cache folder.
    """
    from nst_helpers.sources.kaggle import KAGGLE_HANDLE

    *parts, version = KAGGLE_HANDLE.split("/")
    parent = Path(cache).joinpath("models", *parts)
    shutil.rmtree(parent / version, ignore_errors=True)
    shutil.copytree(savedmodel, parent / version)
    (parent / f"{version}.complete").touch()
    return Path(cache)


def main(argv: list[str] | None = None) -> int:
    """Write the stand-ins into a folder and print the ``export`` lines that select them.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 on success, 2 on a bad argument.
    """
    parser = argparse.ArgumentParser(
        description="Write stand-ins (random/simple weights, not the real models) for VGG19's "
        "weights and TF Hub's Magenta module, to test the online code paths without a network."
    )
    parser.add_argument("outdir", help="folder to write into (made if missing)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the VGG19 weights")
    args = parser.parse_args(argv)
    outdir = Path(args.outdir).expanduser().resolve()
    try:
        if outdir.exists() and not outdir.is_dir():
            raise NSTError(f"OUTDIR {outdir} is a file; give a folder")
        weights = make_vgg19_weights(outdir / VGG19_FILE, seed=args.seed)
        magenta = make_magenta_savedmodel(outdir / MAGENTA_FOLDER)
        kaggle = make_kaggle_cache(outdir / KAGGLE_FOLDER, magenta)
    except NSTError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"export NST_VGG19_WEIGHTS={shlex.quote(str(weights))}")
    print(f"export NST_MAGENTA_DIR={shlex.quote(str(magenta))}")
    print(
        f"# or Kaggle's copy, with TF Hub unreachable: export KAGGLEHUB_CACHE={shlex.quote(str(kaggle))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
