"""Benchmark: time to a good Gatys picture, memory at 1024 px, and the fast path's overhead.

Run on a quiet machine (nothing else busy), from the repository root:

    python benchmarks/run_benchmarks.py --quick         # a few minutes, on any machine (GPU too)
    python benchmarks/run_benchmarks.py --sizes 256     # every pair at 256 px; over an hour
    python benchmarks/run_benchmarks.py                 # 256 and 512 px; several hours
    python benchmarks/run_benchmarks.py --sizes 256 --reuse-reference   # the package's runs only

``--quick`` (``benchmarks/quick.py``) prints how a step's time splits between the network and the
L-BFGS solver, and Adam's and L-BFGS's time to the same loss on one small pair, and writes
nothing. The full run compares, on every pair of ``benchmarks/inputs.py`` (one of them square),
both programs given **the same pixels**: each pair is resized once and written as PNGs that both
sides load (``inputs.prepare_pair``). Each Gatys run is a whole process, timed from start to exit
(start-up included):

* reference — ``benchmarks/reference_tutorial.py``: the TF tutorial's loop (Adam lr 0.02,
  β1 0.99, ε 0.1, 1000 steps from the content image, pixels clipped to [0, 1]);
* package — ``python -m nst_helpers CONTENT.png STYLE.png --method gatys --backbone vgg16-hed
  --max-dim N --style-weight 1 --content-weight 1e4 --tv-weight 0.05``, everything else default
  (on a CPU that computes bfloat16 natively, the first half of the steps run in bfloat16);
* package, float32 — the same with ``--float32``: what CPUs without native bfloat16 run;
* package until the reference's loss — ``benchmarks/package_until.py``: the same defaults, stopped
  at the first step whose loss is at or below the reference's final loss.

Both minimise the same objective. The reference does not depend on the package, and its 1000 steps
are three quarters of the run's time: ``--reuse-reference`` takes each pair's reference run from
``results.json`` when it ran as many steps on the same pixels (their SHA-256 is kept with it, and
when it was measured), so that a change to the package's defaults is measured in a quarter of the
time. Both sides must still be measured on the same quiet machine. Peak RSS is each process's own
(``wait4``). The fast path is timed in-process against the bare onnxruntime calls on the same
prepared arrays.

Reports per pair the time ratios (package / reference) and the loss ratio, and the worst pair.
Writes ``benchmarks/results.json`` (sizes not run keep their earlier figures; an entry of the
earlier one-pair format is read as that pair's) and a side-by-side picture per size and pair.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from inputs import PAIRS, pair_key, prepare_pair

from nst_helpers.speed.precision import mixed_precision_default

HERE = Path(__file__).resolve().parent
OBJECTIVE = ["--style-weight", "1", "--content-weight", "1e4", "--tv-weight", "0.05"]
ENV = {**os.environ, "NST_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
#: The memory measurement's pictures (bundled names: each side resizes them to 1024 px itself).
MEMORY_PAIR = ("tuebingen", "starry_night")


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


def reference(size: int, steps: int, output: Path, inputs: tuple[Path, Path]) -> dict:
    """The TF tutorial's loop as a whole process, on the pair's prepared PNGs."""
    return script_run(
        "reference_tutorial.py", "--max-dim", size, "--steps", steps, "-o", output, *OBJECTIVE,
        "--content", inputs[0], "--style", inputs[1],
    )  # fmt: skip


def package(
    size: int, output: Path, extra: list[str] | None = None, inputs: tuple = MEMORY_PAIR
) -> dict:
    """The package's command line with default settings on the same objective."""
    run = timed(
        [sys.executable, "-m", "nst_helpers", str(inputs[0]), str(inputs[1]), "-o", str(output),
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


def package_until(size: int, target: float, output: Path, inputs: tuple[Path, Path]) -> dict:
    """The package's loop, as a whole process, stopped once its loss reaches ``target``."""
    return script_run(
        "package_until.py", "--max-dim", size, "--target", target, "-o", output, *OBJECTIVE,
        "--content", inputs[0], "--style", inputs[1],
    )  # fmt: skip


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


def side_by_side_of(size: int, key: str, entry: dict) -> None:
    """The benchmark's picture for one size and pair: reference, package defaults (mixed and
    float32), package to the reference's loss."""
    runs = (
        ("reference", "reference", "reference"),
        ("package", "package", "package defaults"),
        ("package_float32", "package_float32", "package --float32"),
        ("package_until_reference_loss", "package_until", "package to the reference's loss"),
    )
    panels = [
        (
            HERE / f"{stem}_{size}_{key}.png",
            f"{label}: loss {entry[run]['losses']['total']:.0f}, {entry[run]['seconds']:.0f} s",
        )
        for run, stem, label in runs
    ]
    side_by_side(panels, HERE / f"side_by_side_{size}_{key}.png")


def inputs_fingerprint(inputs: tuple[Path, Path]) -> str:
    """SHA-256 of a pair's prepared PNGs: a reference run is reused on the very same pixels only."""
    digest = hashlib.sha256()
    for path in inputs:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def earlier_reference(earlier: dict, size: int, key: str, steps: int, fingerprint: str) -> dict:
    """The reference run of ``earlier`` results for this size and pair, if it ran ``steps`` steps
    on the same pixels (else an empty dict)."""
    found = earlier.get(str(size), {}).get("pairs", {}).get(key, {}).get("reference", {})
    if found.get("steps") == steps and found.get("inputs_sha256") == fingerprint:
        return {**found, "reused": True}
    return {}


def gatys_pair(
    size: int, content: str, style: str, reference_steps: int, earlier: dict | None = None
) -> dict:
    """The four runs on one pair at one size, both programs on the same prepared pixels.

    With ``earlier`` results (``--reuse-reference``), their reference run is taken instead of
    running it again when it ran as many steps on the same pixels.
    """
    key = pair_key(content, style)
    inputs = prepare_pair(content, style, size, HERE / "inputs")
    fingerprint = inputs_fingerprint(inputs)
    picture = HERE / f"reference_{size}_{key}.png"  # the side-by-side needs it too
    ref = earlier_reference(earlier or {}, size, key, reference_steps, fingerprint)
    if not ref or not picture.exists():
        ref = reference(size, reference_steps, picture, inputs)
        ref.update(inputs_sha256=fingerprint, measured=time.strftime("%Y-%m-%d %H:%M %Z"))
    ours = package(size, HERE / f"package_{size}_{key}.png", inputs=inputs)
    if mixed_precision_default():
        plain = package(size, HERE / f"package_float32_{size}_{key}.png", ["--float32"], inputs)
    else:  # without native bfloat16 the defaults run every step in float32: the same run
        plain = {**ours, "note": "the defaults' run: this CPU has no native bfloat16"}
        shutil.copyfile(
            HERE / f"package_{size}_{key}.png", HERE / f"package_float32_{size}_{key}.png"
        )
    target = ref["losses"]["total"]
    until = package_until(size, target, HERE / f"package_until_{size}_{key}.png", inputs)
    entry = {
        "inputs": "the same prepared PNGs on both sides (benchmarks/inputs.py)",
        "reference": ref,
        "package": ours,
        "package_float32": plain,
        "package_until_reference_loss": until,
    }
    side_by_side_of(size, key, entry)
    return {**entry, **ratios(entry)}


def ratios(entry: dict) -> dict:
    """Package ÷ reference: the defaults' time and final loss, and the time to the reference's
    loss (``None`` if the package never reached it)."""
    ref = entry["reference"]
    until = entry["package_until_reference_loss"]
    return {
        "time_ratio": entry["package"]["seconds"] / ref["seconds"],
        "time_ratio_float32": entry["package_float32"]["seconds"] / ref["seconds"],
        "loss_ratio": entry["package"]["losses"]["total"] / ref["losses"]["total"],
        "time_ratio_to_reference_loss": (
            until["seconds"] / ref["seconds"] if until.get("reached", True) else None
        ),
    }


def worst(pairs: dict) -> dict:
    """The worst pair's figure for each ratio (an unreached loss is the worst of all)."""
    found = {}
    for name in ("time_ratio", "time_ratio_float32", "loss_ratio", "time_ratio_to_reference_loss"):
        values = [entry.get(name) for entry in pairs.values()]
        found[name] = None if None in values else max(values)
    return found


def migrate(entry: dict) -> dict:
    """An entry of the earlier one-pair format (Tübingen + The Starry Night) as a multi-pair one."""
    if "pairs" in entry:
        return entry
    old = {**entry, "inputs": "each side resized the bundled pictures itself, the same way"}
    old.setdefault("package_float32", old["package"])
    pairs = {pair_key("tuebingen", "starry_night"): {**old, **ratios(old)}}
    return {"pairs": pairs, "worst": worst(pairs)}


def gatys_comparison(args: argparse.Namespace, earlier: dict) -> tuple[dict, list]:
    """Every size and pair asked for; sizes not run keep their earlier figures."""
    results = {
        size: migrate(entry) for size, entry in earlier.items() if int(size) not in args.sizes
    }
    rows = []
    for size in args.sizes:
        pairs = {}
        reuse = earlier if args.reuse_reference else None
        for content, style in args.pairs:
            key = pair_key(content, style)
            pairs[key] = entry = gatys_pair(size, content, style, args.reference_steps, reuse)
            for name, run in (
                ("reference (Adam, tutorial)", entry["reference"]),
                ("package (defaults)", entry["package"]),
                ("package --float32", entry["package_float32"]),
                ("package until reference's loss", entry["package_until_reference_loss"]),
            ):
                seconds = run["seconds"] / entry["reference"]["seconds"]
                rows.append((f"{size} px {key} {name}", run, seconds))
        results[str(size)] = {"pairs": pairs, "worst": worst(pairs)}
    return dict(sorted(results.items(), key=lambda item: int(item[0]))), rows


def main() -> None:
    """Run the benchmark, print a table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few minutes; writes nothing")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument(
        "--pairs", nargs="+", default=[pair_key(*pair) for pair in PAIRS], help="content+style"
    )
    parser.add_argument("--reference-steps", type=int, default=1000)
    parser.add_argument(
        "--reuse-reference",
        action="store_true",
        help="take each reference run from results.json when it ran as many steps on the same "
        "pixels (the reference does not depend on the package; it is most of the run's time)",
    )
    parser.add_argument("--memory-steps", type=int, default=5, help="0: skip the memory runs")
    args = parser.parse_args()
    if args.quick:
        import quick

        quick.main()
        return
    args.pairs = [tuple(pair.split("+")) for pair in args.pairs]

    saved = HERE / "results.json"
    earlier = json.loads(saved.read_text()).get("gatys", {}) if saved.exists() else {}
    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    }
    results["gatys"], rows = gatys_comparison(args, earlier)

    earlier_all = json.loads(saved.read_text()) if saved.exists() else {}
    results["memory_1024_peak_rss_mb"] = (
        memory_peaks(args.memory_steps)
        if args.memory_steps
        else earlier_all.get("memory_1024_peak_rss_mb", {})
    )
    results["fast_path_seconds"] = fast_path_latency()

    for entry in results["gatys"].values():
        for pair in entry["pairs"].values():
            for run in pair.values():
                if isinstance(run, dict):
                    run.pop("stdout", None)
    saved.write_text(json.dumps(results, indent=2))

    print_summary(results, rows)


def memory_peaks(steps: int) -> dict:
    """Peak RSS (MB) of a few steps at ``max_dim`` 1024: the package with Adam and with L-BFGS,
    and the reference."""
    memory = {}
    for label, extra in (("package adam", ["--optimizer", "adam"]), ("package lbfgs", [])):
        run = package(1024, HERE / "memory_1024.png", [*extra, "--steps", str(steps)])
        memory[label] = run["peak_rss_mb"]
    memory["reference"] = reference(1024, steps, HERE / "memory_1024.png", MEMORY_PAIR)[
        "peak_rss_mb"
    ]
    (HERE / "memory_1024.png").unlink(missing_ok=True)
    return memory


def print_summary(results: dict, rows: list) -> None:
    """Print the table of runs, the memory peaks and the fast path's latency."""
    print(f"Machine: {results['machine']}")
    print(f"{'run':64} {'wall s':>7} {'ratio':>6} {'steps':>6} {'total':>9} {'content':>9} "
          f"{'style':>9} {'tv':>9} {'peak MB':>8}")  # fmt: skip
    for name, run, ratio in rows:
        loss = run["losses"]
        print(f"{name:64} {run['seconds']:7.1f} {ratio:6.2f} {run['steps']:6d} {loss['total']:9.0f} "
              f"{loss['content']:9.0f} {loss['style']:9.0f} {loss['total_variation']:9.0f} "
              f"{run['peak_rss_mb']:8.0f}")  # fmt: skip
    print_ratios(results["gatys"])
    print(
        "Peak RSS at max_dim 1024 (MB):",
        {k: round(v) for k, v in results["memory_1024_peak_rss_mb"].items()},
    )
    fast = results["fast_path_seconds"]
    print(f"Fast path: package {fast['package'] * 1000:.0f} ms, bare onnxruntime "
          f"{fast['bare_onnxruntime'] * 1000:.0f} ms, ratio {fast['ratio']:.2f}")  # fmt: skip


def print_ratios(gatys: dict) -> None:
    """Per size: each pair's ratios (package ÷ reference) and the worst pair's."""
    names = ("time_ratio", "time_ratio_float32", "loss_ratio", "time_ratio_to_reference_loss")
    print(f"{'size and pair':40}" + "".join(f"{name:>30}" for name in names))
    for size, entry in gatys.items():
        for key, figures in [*entry["pairs"].items(), ("worst pair", entry["worst"])]:
            cells = ["never" if figures.get(n) is None else f"{figures[n]:.3f}" for n in names]
            print(f"{size + ' px ' + key:40}" + "".join(f"{cell:>30}" for cell in cells))


if __name__ == "__main__":
    main()
