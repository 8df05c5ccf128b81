"""Streams of pictures through the fast path: a folder of photos or the frames of a video.

Engineering, not a lesson: notebook 04 teaches the network; this module keeps it busy. Three
stages overlap, joined by small bounded queues so that memory stays flat however long the
stream is:

1. a reader thread decodes the next pictures (Pillow or FFmpeg);
2. the calling thread stylises them (the network; onnxruntime and TensorFlow release Python's
   lock while they compute, so the other two stages run meanwhile);
3. a writer thread encodes and saves the results.

:class:`StreamStylizer` computes the style vector once for the whole stream, and
:class:`Progress` draws a progress bar on a terminal and a few plain lines in a log.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import tensorflow as tf

from ..errors import check_float
from ..images import ImageSource, load_image, scale_to_max_dim, to_uint8
from ..magenta import HubStylizer, OnnxStylizer, prepare_style

#: Pictures waiting between two stages: enough to hide a slow picture, few enough to stay small.
QUEUE_DEPTH = 4
_END = object()


class StreamStylizer:
    """The fast stylizer for a stream of pictures in one style: the painting is prepared once.

    On the offline ONNX networks the style network runs once and every picture only runs the
    transform network. The TF Hub module takes the style image on every call and keeps its style
    vector inside, so there the style image is prepared (cropped, resized) once and the module's
    style network runs with every picture; a strength below 1 uses the ONNX networks, as
    :class:`~nst_helpers.magenta.HubStylizer` does.

    Args:
        stylizer: A stylizer from :func:`~nst_helpers.magenta.load_stylizer`.
        style: The painting (anything :func:`~nst_helpers.images.load_image` takes).
        strength: Style strength in ``[0, 1]``; below 1 blends each picture's own style vector
            with the painting's (computed per picture, as the blend needs it).
        max_dim: A picture whose longest side is larger runs through the network at this size and
            is enlarged back (None: the picture's own size).
    """

    def __init__(
        self,
        stylizer: HubStylizer | OnnxStylizer,
        style: ImageSource,
        strength: float = 1.0,
        max_dim: int | None = None,
    ) -> None:
        self.strength = check_float("strength", strength, 0.0, 1.0)
        self.max_dim = max_dim
        style_image = load_image(style)
        network = stylizer.strength_stylizer if self.strength < 1.0 else stylizer
        self.network = network
        if isinstance(network, OnnxStylizer):
            self.bottleneck = network.style_bottleneck(style_image)
        else:
            self.bottleneck = None
            self.style_image = tf.constant(prepare_style(style_image))

    def stylize(self, image: tf.Tensor) -> tf.Tensor:
        """Stylise one picture.

        Args:
            image: ``[1, H, W, 3]`` float32 in ``[0, 1]``.

        Returns:
            The stylised picture ``[1, H, W, 3]`` in ``[0, 1]``, the same size.
        """
        height, width = int(image.shape[1]), int(image.shape[2])
        small = image
        if self.max_dim is not None and max(height, width) > self.max_dim:
            small = scale_to_max_dim(image, self.max_dim)
        if self.bottleneck is None:
            out = self.network.module(tf.constant(small), self.style_image)[0]
        else:
            bottleneck = self.bottleneck
            if self.strength < 1.0:
                own = self.network.style_bottleneck(small)
                bottleneck = self.strength * bottleneck + (1.0 - self.strength) * own
            out = self.network.transform(small, bottleneck)
        if tuple(out.shape[1:3]) != (height, width):
            out = tf.image.resize(out, (height, width), method="bicubic")
        return tf.clip_by_value(out, 0.0, 1.0)

    def frame(self, frame: np.ndarray) -> np.ndarray:
        """Stylise one video frame.

        Args:
            frame: A uint8 ``H×W×3`` RGB array.

        Returns:
            The stylised frame, a uint8 ``H×W×3`` array of the same size.
        """
        image = tf.constant(frame[np.newaxis], dtype=tf.float32) / 255.0
        return to_uint8(self.stylize(image))


class Progress:
    """A progress bar with an estimate of the time left: tqdm on a terminal, plain lines in a log.

    Not on a terminal (CI, a file), it prints one line at every tenth of the way, not one per item.

    Args:
        total: How many items the stream holds.
        unit: What an item is called (``"pictures"``, ``"frames"``).
        enabled: False prints nothing but :meth:`note` lines.
    """

    def __init__(self, total: int, unit: str, enabled: bool = True) -> None:
        self.total, self.unit, self.enabled = total, unit, enabled
        self.count, self.start = 0, time.perf_counter()
        self._next_line = 1
        self._lock = threading.Lock()
        self._bar = None
        if enabled and sys.stderr.isatty():
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, unit=unit[:-1] if unit.endswith("s") else unit)

    def update(self, count: int = 1) -> None:
        """Count ``count`` more items as finished."""
        with self._lock:
            self.count += count
            if self._bar is not None:
                self._bar.update(count)
            elif self.enabled and self.total and self.count * 10 >= self._next_line * self.total:
                self._next_line = self.count * 10 // self.total + 1
                print(self.line(), file=sys.stderr, flush=True)

    def line(self) -> str:
        """One line: how far, how fast, how long still."""
        seconds = time.perf_counter() - self.start
        rate = self.count / seconds if seconds > 0 else 0.0
        left = (self.total - self.count) / rate if rate > 0 else 0.0
        percent = 100 * self.count // max(1, self.total)
        return (
            f"{self.count}/{self.total} {self.unit} ({percent}%), {rate:.1f} {self.unit}/s, "
            f"about {left:.0f} s left"
        )

    def note(self, message: str) -> None:
        """Print one line (a skipped or failed item) without breaking the bar."""
        with self._lock:
            if self._bar is not None:
                self._bar.write(message, file=sys.stderr)
            else:
                print(message, file=sys.stderr, flush=True)

    def close(self) -> None:
        """Remove the bar (the caller prints the last line)."""
        if self._bar is not None:
            self._bar.close()


def run_pipeline(
    items: Iterable[Any],
    work: Callable[[Any], Any],
    write: Callable[[Any], None],
    depth: int = QUEUE_DEPTH,
) -> None:
    """Read, work and write with the three stages overlapping; memory holds ``2 * depth`` items.

    ``items`` is iterated in a reader thread, ``work`` runs in the calling thread (so Ctrl-C
    reaches it) and ``write`` in a writer thread, each item in order. An exception in any stage
    stops the other two and is raised here, after both threads have ended.

    Args:
        items: The items, produced lazily (decoding happens while iterating).
        work: Turns an item into a result (the network).
        write: Saves a result.
        depth: Size of each of the two queues.

    Raises:
        BaseException: Whatever a stage raised (``KeyboardInterrupt`` included).
    """
    inbox: queue.Queue = queue.Queue(depth)
    outbox: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    failures: list[BaseException] = []

    def put(box: queue.Queue, item: Any) -> bool:
        return _put(box, item, stop)

    def read() -> None:
        try:
            for item in items:
                if not put(inbox, item):
                    return
        except BaseException as exc:  # handed to the calling thread
            failures.append(exc)
            stop.set()
        put(inbox, _END)

    writer = threading.Thread(target=_drain, args=(outbox, write, failures, stop))
    threads = [threading.Thread(target=read, daemon=True), writer]
    for thread in threads:
        thread.start()
    try:
        _work_loop(inbox, outbox, work, stop, put)
    except BaseException as exc:
        failures.insert(0, exc)
        stop.set()
    finally:
        while threads[1].is_alive():  # the writer saves what is done, then ends
            try:
                outbox.put(_END, timeout=0.1)
                break
            except queue.Full:
                continue
        threads[1].join()
        stop.set()
        threads[0].join()
    if failures:
        raise failures[0]


def _work_loop(inbox, outbox, work, stop, put) -> None:
    """The calling thread's stage: take an item, work, hand the result on, until the end."""
    while not stop.is_set():
        try:
            item = inbox.get(timeout=0.1)
        except queue.Empty:
            continue
        if item is _END:
            return
        if not put(outbox, work(item)):
            return


def _put(box: queue.Queue, item: Any, stop: threading.Event) -> bool:
    """Put ``item`` in ``box``, waiting while it is full; False if the stream was stopped."""
    while not stop.is_set():
        try:
            box.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _drain(outbox: queue.Queue, write, failures: list, stop: threading.Event) -> None:
    """The writer stage: write each result until the end mark; an exception stops the stream."""
    try:
        while True:
            item = outbox.get()
            if item is _END:
                return
            write(item)
    except BaseException as exc:  # handed to the calling thread
        failures.append(exc)
        stop.set()
