"""Make a short video from a bundled photo: a slow pan and zoom, with a quiet tone as sound.

    python scripts/make_clip.py                      # nst_helpers/data/video/tuebingen_pan.mp4
    python scripts/make_clip.py out.mp4 --width 64 --height 48 --frames 10   # a tiny test clip

The bundled clip is made from the Tübingen photo (nst_helpers/data/content/tuebingen_neckarfront.jpg,
Andreas Praefcke, CC BY 3.0); see nst_helpers/data/CREDITS.md.
"""

from __future__ import annotations

import argparse
import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PHOTO = ROOT / "nst_helpers" / "data" / "content" / "tuebingen_neckarfront.jpg"
CLIP = ROOT / "nst_helpers" / "data" / "video" / "tuebingen_pan.mp4"


def pan_and_zoom(photo: Image.Image, width: int, height: int, frames: int) -> list[Image.Image]:
    """Frames that move a window across ``photo`` from left to right while zooming in by 15 %."""
    aspect = width / height
    crop_h = min(photo.height, photo.width / aspect) * 0.85
    result = []
    for i in range(frames):
        t = i / max(1, frames - 1)
        ease = 0.5 - 0.5 * math.cos(math.pi * t)  # slow start and end
        h = crop_h * (1.0 - 0.15 * ease)
        w = h * aspect
        left = (photo.width - w) * (0.1 + 0.8 * ease)
        top = (photo.height - h) * 0.5
        box = (left, top, left + w, top + h)
        result.append(photo.resize((width, height), Image.Resampling.BICUBIC, box=box))
    return result


def write_clip(
    path: Path,
    frames: list[Image.Image],
    fps: int = 24,
    tone_hz: float | None = 440.0,
    crf: int = 26,
) -> None:
    """Write ``frames`` as H.264 (and, with ``tone_hz``, a quiet AAC sine tone) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "faststart"} if path.suffix in (".mp4", ".mov") else {}
    with av.open(str(path), "w", options=options) as container:  # faststart: plays as it loads
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height = frames[0].size
        video.pix_fmt = "yuv420p"
        video.options = {"crf": str(crf), "preset": "slow"}
        audio = None
        if tone_hz is not None:
            audio = container.add_stream("aac", rate=44100, layout="mono")
        for index, picture in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.asarray(picture.convert("RGB")), format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            _write_tone(container, audio, tone_hz, Fraction(len(frames), fps))


def _write_tone(container, audio, tone_hz: float, seconds: Fraction) -> None:
    rate, block = 44100, 1024
    total = int(rate * seconds)
    for start in range(0, total, block):
        n = min(block, total - start)
        t = (np.arange(start, start + n) / rate).astype(np.float32)
        samples = (0.1 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)[np.newaxis]
        frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        container.mux(audio.encode(frame))
    container.mux(audio.encode(None))


def main() -> None:
    """Make the clip the arguments ask for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(CLIP))
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--frames", type=int, default=84, help="frames (84 = 3.5 s at 24 fps)")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--no-audio", action="store_true")
    args = parser.parse_args()
    frames = pan_and_zoom(Image.open(PHOTO).convert("RGB"), args.width, args.height, args.frames)
    write_clip(Path(args.output), frames, args.fps, None if args.no_audio else 440.0)
    print(f"Wrote {args.output} ({args.frames} frames, {args.width}×{args.height}, {args.fps} fps)")


if __name__ == "__main__":
    main()
