"""Stylise a video: ``stylize_video`` and ``python -m nst_helpers clip.mp4 STYLE -o out.mp4``.

Frames stream in and out (:mod:`nst_helpers.streams.pipeline`): a reader thread decodes with FFmpeg,
the calling thread runs the fast path (:class:`~nst_helpers.streams.pipeline.StreamStylizer`), and a
writer thread encodes. Memory stays flat whatever the clip's length. The output has the input's
frame size and frame rate, and its audio track is copied unchanged (or re-encoded when the
output's container cannot hold it). FFmpeg comes inside the ``av`` package (PyAV): nothing is
downloaded at run time.

The output is written to a temporary file beside it and renamed when complete, so a bad clip, a
failure or Ctrl-C leaves nothing behind (and an existing file as it was).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np

from ..errors import NSTError
from ..options import FAST_MAX_DIM

if TYPE_CHECKING:
    from ..images import ImageSource

#: Paths with these suffixes are read as videos (case does not matter).
#: Video codec, audio codec for a re-encoded track, and pixel format of each output container.
OUTPUT_CODECS = {
    ".mp4": ("libx264", "aac"),
    ".m4v": ("libx264", "aac"),
    ".mov": ("libx264", "aac"),
    ".mkv": ("libx264", "aac"),
    ".webm": ("libvpx-vp9", "libopus"),
}
#: Encoder settings: quality (lower is better; about 20 looks like the source) and speed.
ENCODER_OPTIONS = {
    "libx264": {"crf": "20", "preset": "veryfast"},
    "libvpx-vp9": {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8"},
}


def bundled_clip() -> Path:
    """The bundled clip: 3.5 s of a slow pan and zoom across the Tübingen photo, with sound.

    Returns:
        The path of ``nst_helpers/data/video/tuebingen_pan.mp4`` (made by ``scripts/make_clip.py``).
    """
    from ..images import images_dir

    return images_dir() / "video" / "tuebingen_pan.mp4"


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds (read from its header).

    Attributes:
        width: Frame width in pixels.
        height: Frame height in pixels.
        fps: Frame rate (frames per second, exact).
        frames: Frame count the header states (None when the container does not say).
        has_audio: Whether it has an audio track.
    """

    width: int
    height: int
    fps: Fraction
    frames: int | None
    has_audio: bool


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Read a video's size, frame rate, frame count and whether it has sound; decode one frame.

    Args:
        path: The video file.

    Returns:
        Its :class:`VideoInfo`.

    Raises:
        NSTError: If the file is missing, is not a video FFmpeg can read, has no video track, or
            its first frame cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise NSTError(f"video file not found: {path}; check the path")
    with _open_input(path) as container:
        if not container.streams.video:
            raise NSTError(f"{path} has no video track; give a video file such as an .mp4")
        stream = container.streams.video[0]
        try:
            first = next(container.decode(stream))
        except (StopIteration, av.FFmpegError) as exc:
            raise NSTError(
                f"{path} is damaged or truncated: its first frame cannot be decoded ({exc or 'no frames'}); "
                "re-export or re-download the video"
            ) from None
        fps = stream.average_rate or stream.guessed_rate or Fraction(25)
        return VideoInfo(
            width=first.width,
            height=first.height,
            fps=Fraction(fps),
            frames=stream.frames or None,
            has_audio=bool(container.streams.audio),
        )


@dataclass
class VideoReport:
    """What a video run did.

    Attributes:
        output: The video written.
        frames: Frames stylised.
        seconds: Wall time.
        audio: Whether an audio track was copied (or re-encoded) into the output.
    """

    output: Path
    frames: int
    seconds: float
    audio: bool

    def summary(self) -> str:
        """The last line of a run."""
        sound = ", audio kept" if self.audio else ""
        return (
            f"Saved {self.output} ({self.frames} frames in {self.seconds:.1f} s, "
            f"{self.frames / max(self.seconds, 1e-9):.1f} frames/s{sound})"
        )


def stylize_video(
    source: str | os.PathLike,
    style: ImageSource,
    output: str | os.PathLike,
    *,
    stylizer=None,
    strength: float = 1.0,
    max_dim: int | None = FAST_MAX_DIM,
    max_frames: int | None = None,
    force: bool = False,
    progress: bool = True,
) -> VideoReport:
    """Stylise every frame of a video with the fast path; keep its size, frame rate and sound.

    Args:
        source: The video (.mp4, .mov, .mkv, .webm, .avi).
        style: The painting (anything :func:`~nst_helpers.images.load_image` takes).
        output: The video to write (.mp4, .m4v, .mov or .mkv: H.264; .webm: VP9).
        stylizer: The fast stylizer (default :func:`~nst_helpers.magenta.load_stylizer`).
        strength: Style strength in ``[0, 1]``.
        max_dim: Frames larger than this run through the network at this size and are
            enlarged back to the video's size (None: the frame's own size).
        max_frames: Stylise only the first this many frames (None: all), e.g. for a preview.
        force: Replace an existing output.
        progress: Show a progress bar in frames (plain lines when not on a terminal).

    Returns:
        A :class:`VideoReport`.

    Raises:
        NSTError: If the video or the style is bad, the output names an unsupported format, is
            the input, or exists without ``force``. Nothing is written then.
        OSError: If the output cannot be written (nothing is left behind).
        KeyboardInterrupt: On Ctrl-C (nothing is left behind).
    """
    source, output = Path(source), Path(output)
    check_output(source, output, force)
    info = probe_video(source)
    from ..images import _new_file_mode
    from ..streams.pipeline import StreamStylizer  # TensorFlow: only once the inputs are checked

    if stylizer is None:
        from ..magenta import load_stylizer

        stylizer = load_stylizer()
    frame_stylizer = StreamStylizer(stylizer, style, strength=strength, max_dim=max_dim)
    start = time.perf_counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.stem}.", suffix=output.suffix, dir=output.parent)
    os.close(fd)
    try:
        os.chmod(tmp, _new_file_mode(output))  # as a plain open() would make it
        frames = _transcode(source, Path(tmp), info, frame_stylizer.frame, progress, max_frames)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return VideoReport(output, frames, time.perf_counter() - start, info.has_audio)


def check_output(source: Path, output: Path, force: bool) -> None:
    """Check where a video is to be written, before any work.

    Args:
        source: The input video.
        output: The output video.
        force: Whether an existing output may be replaced.

    Raises:
        NSTError: If the suffix is not a supported output format, ``output`` is a folder or the
            input, or exists without ``force``.
    """
    if output.suffix.lower() not in OUTPUT_CODECS:
        raise NSTError(
            f"cannot write a video to {output}: use a file name ending in "
            f"{', '.join(OUTPUT_CODECS)}"
        )
    if output.is_dir():
        raise NSTError(
            f"cannot write to {output}: it is a folder; give a file name such as out.mp4"
        )
    if output.exists() and source.exists() and output.resolve() == source.resolve():
        raise NSTError(f"-o {output} is the input video; choose another output file name")
    if output.exists() and not force:
        raise NSTError(f"{output} exists; choose another name or add --force to replace it")


def _open_input(path: Path):
    try:
        return av.open(str(path), "r")
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise NSTError(
            f"{path} is not a video FFmpeg can read, or is damaged or truncated ({_reason(exc)}); "
            "use an .mp4, .mov, .mkv, .webm or .avi file"
        ) from None


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0][:120]


def _transcode(source: Path, target: Path, info: VideoInfo, stylize_frame, progress, limit):
    """Decode, stylise and encode the frames (three overlapping stages); return the count."""
    expected = min(info.frames or 0, limit or info.frames or 0)
    suffix = target.suffix.lower()
    options = {"movflags": "faststart"} if suffix in (".mp4", ".m4v", ".mov") else {}
    with _open_input(source) as reader, av.open(str(target), "w", options=options) as writer:
        video_in = reader.streams.video[0]
        audio_in = reader.streams.audio[0] if reader.streams.audio else None
        encoder = _add_video_stream(writer, suffix, info)
        audio_out = _add_audio_stream(writer, suffix, audio_in)
        from ..streams.pipeline import Progress, run_pipeline

        bar = Progress(expected, "frames", enabled=progress)
        counter = [0]

        def write(item):
            kind, payload = item
            if kind == "audio":
                _write_audio(writer, audio_in, audio_out, payload)
                return
            frame = av.VideoFrame.from_ndarray(payload, format="rgb24")
            frame.pts = counter[0]
            counter[0] += 1
            writer.mux(encoder.encode(frame))
            bar.update()

        def work(item):
            kind, payload = item
            return (kind, stylize_frame(payload)) if kind == "video" else item

        try:
            packets = _demux(source, reader, video_in, audio_in, audio_out, limit)
            run_pipeline(packets, work, write)
        finally:
            bar.close()
        writer.mux(encoder.encode(None))
        if audio_out is not None and audio_out.codec_context.is_encoder:
            _write_audio(writer, audio_in, audio_out, None)
    if counter[0] < expected:
        raise NSTError(
            f"{source} is truncated or damaged: it ended after {counter[0]} of its {expected} "
            "frames; nothing was written; re-export or re-download the video"
        )
    return counter[0]


def _demux(source, reader, video_in, audio_in, audio_out, limit) -> Iterator[tuple[str, object]]:
    """The reader stage: video frames as RGB arrays and audio packets, in the file's order."""
    streams = [video_in] + ([audio_in] if audio_out is not None else [])
    count = 0
    try:
        for packet in reader.demux(streams):
            if packet.stream is video_in:
                for frame in packet.decode():
                    if limit is not None and count >= limit:
                        return
                    count += 1
                    yield "video", frame.to_ndarray(format="rgb24")
            elif packet.dts is not None:
                yield "audio", packet
    except av.FFmpegError as exc:
        raise NSTError(
            f"{source} is truncated or damaged ({_reason(exc)}); nothing was written; "
            "re-export or re-download the video"
        ) from None


def _add_video_stream(writer, suffix: str, info: VideoInfo):
    codec = OUTPUT_CODECS[suffix][0]
    stream = writer.add_stream(codec, rate=info.fps)
    stream.width, stream.height = info.width, info.height
    even = info.width % 2 == 0 and info.height % 2 == 0
    stream.pix_fmt = "yuv420p" if even else "yuv444p"  # 4:2:0 needs even sides
    stream.options = dict(ENCODER_OPTIONS[codec])
    return stream


def _add_audio_stream(writer, suffix: str, audio_in):
    """Copy the audio track when the container can hold its codec, else re-encode it."""
    if audio_in is None:
        return None
    if audio_in.codec_context.name in writer.supported_codecs:
        return writer.add_stream_from_template(audio_in)
    codec = OUTPUT_CODECS[suffix][1]
    rate = 48000 if codec == "libopus" else audio_in.rate or 48000  # Opus runs at 48 kHz only
    return writer.add_stream(codec, rate=rate)


def _write_audio(writer, audio_in, audio_out, packet) -> None:
    if not audio_out.codec_context.is_encoder:  # copied: the packet goes in as it is
        packet.stream = audio_out
        writer.mux(packet)
        return
    frames = packet.decode() if packet is not None else [None]
    for frame in frames:
        if frame is not None:
            frame.pts = None
        writer.mux(audio_out.encode(frame))


def read_frames(path: str | os.PathLike, limit: int | None = None) -> Iterator[np.ndarray]:
    """The frames of a video as uint8 ``H×W×3`` RGB arrays, decoded one at a time.

    Args:
        path: The video file.
        limit: Stop after this many frames (None: all).

    Yields:
        One frame at a time.

    Raises:
        NSTError: If the file cannot be read as a video.
    """
    path = Path(path)
    probe_video(path)
    with _open_input(path) as container:
        for count, frame in enumerate(container.decode(video=0)):
            if limit is not None and count >= limit:
                return
            yield frame.to_ndarray(format="rgb24")


def animation_html(frames: list[np.ndarray], fps: float = 12.0) -> str:
    """An animated GIF of ``frames`` as an HTML ``<img>`` (plays in Colab and JupyterLab).

    Args:
        frames: uint8 ``H×W×3`` arrays (or ``[1, H, W, 3]`` floats in ``[0, 1]``).
        fps: Frames per second.

    Returns:
        HTML for ``IPython.display.HTML``.
    """
    import base64
    import io

    from PIL import Image

    from ..images import to_uint8

    arrays = [f if getattr(f, "dtype", None) == np.uint8 else to_uint8(f) for f in frames]
    fast = Image.Quantize.FASTOCTREE  # a palette per frame, faster than Pillow's default
    pictures = [Image.fromarray(a).quantize(method=fast) for a in arrays]
    buffer = io.BytesIO()
    duration = round(1000 / fps)
    pictures[0].save(
        buffer, "GIF", save_all=True, append_images=pictures[1:], duration=duration, loop=0
    )
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/gif;base64,{data}"/>'


def video_html(path: str | os.PathLike, width: int | None = None) -> str:
    """An HTML5 ``<video>`` holding the file itself (base64), to play it in a notebook.

    Args:
        path: An .mp4 (H.264) or .webm video; keep it small, it goes into the notebook.
        width: Width in pixels on the page (None: the video's own).

    Returns:
        HTML for ``IPython.display.HTML``.
    """
    import base64

    path = Path(path)
    kind = "webm" if path.suffix.lower() == ".webm" else "mp4"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    size = f' width="{width}"' if width else ""
    return f'<video controls loop{size}><source src="data:video/{kind};base64,{data}" type="video/{kind}"></video>'
