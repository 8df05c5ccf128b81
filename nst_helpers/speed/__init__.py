"""Engineering that makes the Gatys loop fast; notebook 05 (optional) opens its door.

* :mod:`~nst_helpers.speed.lbfgs` — the projected L-BFGS driver: the loop and its line search,
  written once, with the curvature arithmetic plugged in: NumPy (:mod:`~nst_helpers.speed.curvature`,
  to read and as the tests' oracle) or TensorFlow ops (:mod:`~nst_helpers.speed.curvature_tf`,
  which :func:`nst_helpers.gatys.stylize` runs so the picture stays on the device);
* :mod:`~nst_helpers.speed.compiled` — the loss compiled once per image size, the weights as
  tensors, the targets measured once per picture;
* :mod:`~nst_helpers.speed.precision` — the bfloat16 phase: when to switch to float32, and the
  extractor that runs the network in bfloat16 on CPUs that compute it natively;
* :mod:`~nst_helpers.speed.runlog` — a run's books: loss history, best picture, snapshots,
  progress bar, stopping rules, the time estimate, and the schedule and curvature pairs the solver
  runs with.
"""
