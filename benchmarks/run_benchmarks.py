"""Benchmark: time to a good Gatys picture, memory at 1024 px, and the fast path's overhead.

Run on a quiet machine (nothing else busy), from the repository root:

    python benchmarks/run_benchmarks.py                 # 256 and 512 px; takes about an hour
    python benchmarks/run_benchmarks.py --sizes 256     # the headline comparison only

Each Gatys run is a whole process, timed from start to exit (start-up included):

* reference — ``benchmarks/reference_tutorial.py``: the TF tutorial's loop (Adam lr 0.02,
  β1 0.99, ε 0.1, 1000 steps from the content image, pixels clipped to [0, 1]);
* package — ``python -m nst_helpers tuebingen starry_night --method gatys --backbone vgg16-hed
  --max-dim N --style-weight 1 --content-weight 1e4 --tv-weight 0.05``, everything else default
  (on a CPU that computes bfloat16 natively, the first half of the steps run in bfloat16);
* package, float32 — the same with ``--float32``: what CPUs without native bfloat16 run;
* package until the reference's loss — ``benchmarks/package_until.py``: the same defaults, stopped
  at the first step whose loss is at or below the reference's final loss.

Both minimise the same objective. Peak RSS is each process's own (``wait4``). The fast path is
timed in-process against the bare onnxruntime calls on the same prepared arrays.

Writes ``benchmarks/results.json`` (sizes not run keep their earlier figures) and a side-by-side
picture per size into ``benchmarks/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OBJECTIVE = ["--style-weight", "1", "--content-weight", "1e4", "--tv-weight", "0.05"]
ENV = {**os.environ, "NST_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}


def timed(command: list[str]) -> dict:
    """Run ``command`` as a process; return wall seconds, peak RSS (MB) and its stdout."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=ENV
    )
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"benchmark command failed ({process.returncode}): {' '.join(command)}")
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024, "stdout": stdout}


def script_run(script: str, *arguments: object) -> dict:
    """Run a benchmark script that prints one JSON line last; return its report and timing.

    The wall time and peak RSS are the whole process's (they replace the script's own figures).
    """
    run = timed([sys.executable, str(HERE / script), *map(str, arguments)])
    return {**json.loads(run["stdout"].strip().splitlines()[-1]), **run}


def reference(size: int, steps: int, output: Path) -> dict:
    """The TF tutorial's loop as a whole process."""
    return script_run(
        "reference_tutorial.py", "--max-dim", size, "--steps", steps, "-o", output, *OBJECTIVE
    )


def package(size: int, output: Path, extra: list[str] | None = None) -> dict:
    """The package's command line with default settings on the same objective."""
    run = timed(
        [sys.executable, "-m", "nst_helpers", "tuebingen", "starry_night", "-o", str(output),
         "--method", "gatys", "--backbone", "vgg16-hed", "--max-dim", str(size), "--force",
         *OBJECTIVE, *(extra or [])]
    )  # fmt: skip
    line = re.search(
        r"Final loss after (\d+) (\w+) steps(?: \(the first (\d+) in bfloat16\))?: (.*)",
        run["stdout"],
    )
    steps, optimizer, bfloat16_steps, parts = line.groups()
    losses = {k: float(v) for k, v in (part.rsplit(" ", 1) for part in parts.split(", "))}
    return {
        **run,
        "steps": int(steps),
        "bfloat16_steps": int(bfloat16_steps or 0),
        "optimizer": optimizer,
        "losses": losses,
    }


def package_until(size: int, target: float, output: Path) -> dict:
    """The package's loop, as a whole process, stopped once its loss reaches ``target``."""
    return script_run(
        "package_until.py", "--max-dim", size, "--target", target, "-o", output, *OBJECTIVE
    )


def fast_path_latency(repeats: int = 20) -> dict:
    """Seconds per picture: the package's offline stylizer vs the bare onnxruntime calls."""
    import numpy as np
    import tensorflow as tf

    from nst_helpers.images import load_image
    from nst_helpers.magenta import ONNX_CANVAS, OnnxStylizer, prepare_style

    stylizer = OnnxStylizer()
    content = load_image("tuebingen", max_dim=ONNX_CANVAS)
    style = load_image("starry_night")
    square = prepare_style(style).numpy()
    height, width = content.shape[1:3]
    canvas = np.pad(content.numpy()[0], ((0, ONNX_CANVAS - height), (0, ONNX_CANVAS - width), (0, 0)), mode="reflect")[np.newaxis]  # fmt: skip
    predict, transform = stylizer._predict, stylizer._transform
    names = [i.name for i in transform.get_inputs()]

    def bare():
        bottleneck = predict.run(None, {predict.get_inputs()[0].name: square})[0]
        return transform.run(None, dict(zip(names, (canvas, bottleneck))))[0]

    def ours():
        return stylizer(content, style)

    timings = {}
    for name, call in (("bare_onnxruntime", bare), ("package", ours)):
        call()  # warm up
        start = time.perf_counter()
        for _ in range(repeats):
            out = call()
        timings[name] = (time.perf_counter() - start) / repeats
        assert np.isfinite(np.asarray(out)).all()
    tf.keras.backend.clear_session()
    timings["ratio"] = timings["package"] / timings["bare_onnxruntime"]
    return timings


def side_by_side(panels: list[tuple[Path, str]], output: Path) -> None:
    """Save the pictures side by side, each with its label above it."""
    from PIL import Image, ImageDraw

    images = [Image.open(path).convert("RGB") for path, _ in panels]
    width = sum(image.width for image in images) + 10 * (len(images) - 1)
    sheet = Image.new("RGB", (width, max(image.height for image in images) + 24), "white")
    draw = ImageDraw.Draw(sheet)
    left = 0
    for image, (_, label) in zip(images, panels):
        sheet.paste(image, (left, 24))
        draw.text((left + 4, 6), label, fill="black")
        left += image.width + 10
    sheet.save(output)


def side_by_side_of(size: int, entry: dict) -> None:
    """The benchmark's picture for one size: reference, package defaults (mixed and float32),
    package to the reference's loss."""
    runs = (
        ("reference", "reference", "reference"),
        ("package", "package", "package defaults"),
        ("package_float32", "package_float32", "package --float32"),
        ("package_until_reference_loss", "package_until", "package to the reference's loss"),
    )
    panels = [
        (
            HERE / f"{stem}_{size}.png",
            f"{label}: loss {entry[key]['losses']['total']:.0f}, {entry[key]['seconds']:.0f} s",
        )
        for key, stem, label in runs
    ]
    side_by_side(panels, HERE / f"side_by_side_{size}.png")


def main() -> None:
    """Run the benchmark, print a table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--reference-steps", type=int, default=1000)
    parser.add_argument("--memory-steps", type=int, default=5)
    args = parser.parse_args()

    saved = HERE / "results.json"
    earlier = json.loads(saved.read_text()).get("gatys", {}) if saved.exists() else {}
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        # sizes not run this time keep their earlier figures
        "gatys": {size: entry for size, entry in earlier.items() if int(size) not in args.sizes},
    }
    rows = []
    for size in args.sizes:
        ref = reference(size, args.reference_steps, HERE / f"reference_{size}.png")
        ours = package(size, HERE / f"package_{size}.png")
        plain = package(size, HERE / f"package_float32_{size}.png", ["--float32"])
        until = package_until(size, ref["losses"]["total"], HERE / f"package_until_{size}.png")
        ratio = ours["seconds"] / ref["seconds"]
        results["gatys"][str(size)] = {
            "reference": ref,
            "package": ours,
            "package_float32": plain,
            "package_until_reference_loss": until,
            "time_ratio": ratio,
            "time_ratio_to_reference_loss": until["seconds"] / ref["seconds"],
        }
        side_by_side_of(size, results["gatys"][str(size)])
        for name, run in (
            ("reference (Adam, tutorial)", ref),
            ("package (defaults)", ours),
            ("package --float32", plain),
            ("package until reference's loss", until),
        ):
            rows.append((f"{size} px {name}", run, run["seconds"] / ref["seconds"]))

    memory = {}
    for label, extra in (("package adam", ["--optimizer", "adam"]), ("package lbfgs", [])):
        run = package(1024, HERE / "memory_1024.png", [*extra, "--steps", str(args.memory_steps)])
        memory[label] = run["peak_rss_mb"]
    memory["reference"] = reference(1024, args.memory_steps, HERE / "memory_1024.png")[
        "peak_rss_mb"
    ]
    (HERE / "memory_1024.png").unlink(missing_ok=True)
    results["memory_1024_peak_rss_mb"] = memory
    results["fast_path_seconds"] = fast_path_latency()

    for entry in results["gatys"].values():
        for run in entry.values():
            if isinstance(run, dict):
                run.pop("stdout", None)
    results["gatys"] = dict(sorted(results["gatys"].items(), key=lambda item: int(item[0])))
    saved.write_text(json.dumps(results, indent=2))

    print_summary(results, rows)


def print_summary(results: dict, rows: list) -> None:
    """Print the table of runs, the memory peaks and the fast path's latency."""
    print(f"Machine: {results['machine']}")
    print(f"{'run':40} {'wall s':>7} {'ratio':>6} {'steps':>6} {'total':>9} {'content':>9} "
          f"{'style':>9} {'tv':>9} {'peak MB':>8}")  # fmt: skip
    for name, run, ratio in rows:
        loss = run["losses"]
        print(f"{name:40} {run['seconds']:7.1f} {ratio:6.2f} {run['steps']:6d} {loss['total']:9.0f} "
              f"{loss['content']:9.0f} {loss['style']:9.0f} {loss['total_variation']:9.0f} "
              f"{run['peak_rss_mb']:8.0f}")  # fmt: skip
    print(
        "Peak RSS at max_dim 1024 (MB):",
        {k: round(v) for k, v in results["memory_1024_peak_rss_mb"].items()},
    )
    fast = results["fast_path_seconds"]
    print(f"Fast path: package {fast['package'] * 1000:.0f} ms, bare onnxruntime "
          f"{fast['bare_onnxruntime'] * 1000:.0f} ms, ratio {fast['ratio']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
