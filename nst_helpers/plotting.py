"""Plots the notebooks use: images side by side, loss curves, snapshot grids, feature maps.

The plotting plumbing lives here so that the lessons stay short. Each function returns the
Matplotlib figure (the notebook shows it; nothing here calls ``plt.show`` on a non-interactive
backend).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from .errors import NSTError
from .images import to_uint8


def show_images(
    images: Sequence[tf.Tensor | np.ndarray] | tf.Tensor | np.ndarray,
    titles: Sequence[str] | None = None,
    size: float = 4.0,
    columns: int | None = None,
) -> plt.Figure:
    """Show one or several images side by side with titles.

    Args:
        images: One image or a list; each ``[1, H, W, 3]`` or ``[H, W, 3]`` in ``[0, 1]``, or a
            uint8 array.
        titles: One title per image.
        size: Height of each panel in inches.
        columns: Panels per row (default: all in one row).

    Returns:
        The figure.

    Raises:
        NSTError: If the number of titles does not match the number of images.
    """
    if isinstance(images, (tf.Tensor, np.ndarray)):
        images = [images]
    images = list(images)
    if titles is not None and len(titles) != len(images):
        raise NSTError(f"got {len(images)} images but {len(titles)} titles; give one per image")
    columns = columns or len(images)
    rows = math.ceil(len(images) / columns)
    arrays = [_as_uint8(image) for image in images]
    aspect = np.mean([a.shape[1] / a.shape[0] for a in arrays])
    fig, axes = plt.subplots(
        rows, columns, figsize=(size * aspect * columns, size * rows), squeeze=False
    )
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < len(arrays):
            axis.imshow(arrays[index])
            if titles:
                axis.set_title(titles[index])
    fig.tight_layout()
    return fig


def plot_losses(
    history: Mapping[str, Sequence[float]],
    times: Sequence[float] | None = None,
    title: str = "Loss per component",
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Plot the loss history per component on a log scale.

    Args:
        history: ``{"total": [...], "content": [...], ...}``, e.g. ``result.history``.
        times: Seconds at each step (e.g. ``result.times``): plot against time, not steps.
        title: The plot's title.
        ax: Axes to draw on (default: a new figure).

    Returns:
        The figure.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4))
    else:
        fig = ax.figure
    for name, values in history.items():
        values = np.asarray(values, dtype=float)
        x = np.asarray(times) if times is not None else np.arange(len(values))
        positive = values > 0
        if positive.any():
            ax.plot(x[positive], values[positive], label=name, lw=2 if name == "total" else 1)
    _log_axes(ax, "seconds" if times is not None else "step", "loss (weights applied)", title)
    return fig


def compare_losses(
    runs: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    title: str = "Total loss against time",
) -> plt.Figure:
    """Plot the total loss of several runs against wall time (e.g. Adam vs L-BFGS).

    Args:
        runs: ``{label: (times, totals)}``.
        title: The plot's title.

    Returns:
        The figure.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, (times, totals) in runs.items():
        ax.plot(times, totals, label=label)
    _log_axes(ax, "seconds", "total loss", title)
    return fig


def _log_axes(ax: plt.Axes, xlabel: str, ylabel: str, title: str) -> None:
    """Log-scale y, labels, title, legend and a light grid."""
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)


def show_snapshots(
    snapshots: Sequence[tuple[int, tf.Tensor]], columns: int = 5, size: float = 2.5
) -> plt.Figure:
    """Show ``(step, image)`` snapshots in a grid (2×5 for the default ten).

    Args:
        snapshots: E.g. ``result.snapshots``.
        columns: Images per row.
        size: Height of each panel in inches.

    Returns:
        The figure.
    """
    images = [image for _, image in snapshots]
    titles = [f"step {step}" for step, _ in snapshots]
    return show_images(images, titles, size=size, columns=min(columns, max(1, len(images))))


def show_feature_maps(
    features: tf.Tensor | np.ndarray, count: int = 8, title: str = "", size: float = 1.6
) -> plt.Figure:
    """Show the first ``count`` channels of a feature map ``[1, h, w, C]`` as gray pictures.

    Args:
        features: The feature map.
        count: How many channels to show.
        title: A title over the row.
        size: Height of each panel in inches.

    Returns:
        The figure.
    """
    maps = np.asarray(features)[0]
    count = min(count, maps.shape[-1])
    fig, axes = plt.subplots(1, count, figsize=(size * count, size * 1.1), squeeze=False)
    for channel, axis in enumerate(axes.flat):
        axis.imshow(maps[..., channel], cmap="viridis")
        axis.set_title(f"ch {channel}", fontsize=8)
        axis.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _as_uint8(image: tf.Tensor | np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.dtype == np.uint8:
        return array[0] if array.ndim == 4 else array
    return to_uint8(array)
