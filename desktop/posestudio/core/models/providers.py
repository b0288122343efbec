"""Which onnxruntime execution provider runs the models: an accelerator when this onnxruntime build has one
(CUDA with onnxruntime-gpu, Core ML on a Mac, DirectML with onnxruntime-directml), else the CPU; the CPU is
always listed after it, so operators an accelerator lacks still run.

POSESTUDIO_PROVIDER=auto|cpu|cuda|coreml|directml overrides the automatic choice (cpu: reproducible
figures, or an accelerator that misbehaves); an unknown or unavailable value is one sentence.
"""

from __future__ import annotations

import logging
import os

from posestudio.core.errors import PoseStudioError

log = logging.getLogger(__name__)

ENV = "POSESTUDIO_PROVIDER"
# short name -> onnxruntime's provider name; the automatic choice tries them in this order
ACCELERATORS = {"cuda": "CUDAExecutionProvider", "coreml": "CoreMLExecutionProvider",
                "directml": "DmlExecutionProvider"}
NAMES = {**ACCELERATORS, "cpu": "CPUExecutionProvider"}
LABELS = {"cpu": "CPU", "cuda": "CUDA (NVIDIA GPU)", "coreml": "Core ML (Apple)", "directml": "DirectML (GPU)"}
# what to install for each accelerator (onnxruntime's own packages; Core ML is in the ordinary macOS wheel)
INSTALL = {"cuda": "onnxruntime-gpu and an NVIDIA driver", "coreml": "the ordinary onnxruntime on macOS",
           "directml": "onnxruntime-directml on Windows"}

_active: str | None = None  # the provider the last session really got (onnxruntime may fall back to the CPU)


class ProviderError(PoseStudioError):
    """POSESTUDIO_PROVIDER names no provider, or one this onnxruntime build does not have."""


def available() -> list[str]:
    """onnxruntime's providers in this installation (its own names)."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


def requested() -> str:
    """The short name to use: POSESTUDIO_PROVIDER if set (checked), else the first accelerator onnxruntime
    offers, else 'cpu'."""
    have = available()
    raw = os.environ.get(ENV, "").strip()
    wanted = raw.lower()
    if wanted in ("", "auto"):
        return next((short for short, name in ACCELERATORS.items() if name in have), "cpu")
    if wanted not in NAMES:
        raise ProviderError(f"{ENV}={raw} is not a provider Pose Studio knows; use auto, "
                            f"{', '.join(list(NAMES)[:-1])} or {list(NAMES)[-1]}, or unset it.")
    if NAMES[wanted] not in have:
        offered = ", ".join(short for short, name in NAMES.items() if name in have)
        raise ProviderError(f"{ENV}={raw} asks for {LABELS[wanted]}, which this onnxruntime does not offer "
                            f"(it offers {offered}); install {INSTALL[wanted]}, or set {ENV}=cpu.")
    return wanted


def session_providers() -> list[str]:
    """The providers list for onnxruntime.InferenceSession: the chosen one, then the CPU as fallback."""
    short = requested()
    return [NAMES[short]] + ([NAMES["cpu"]] if short != "cpu" else [])


def note_session(session) -> str:
    """Record which provider a new session really runs on (onnxruntime silently falls back to the CPU when,
    say, CUDA is installed but no GPU is usable); returns its short name."""
    global _active
    first = session.get_providers()[0]
    short = next((s for s, name in NAMES.items() if name == first), "cpu")
    wanted = requested()
    if short != wanted and _active != short:
        log.warning("asked onnxruntime for %s, the session runs on %s", NAMES[wanted], first)
    _active = short
    return short


def active() -> str:
    """The provider the models run on: the last session's, else the one a new session would ask for."""
    return _active or requested()


def describe() -> str:
    """One phrase for the status bar, the self-test and the bench: 'CPU', 'CUDA (NVIDIA GPU)', ...; never
    raises (a bad POSESTUDIO_PROVIDER is the error's sentence)."""
    try:
        return LABELS[active()]
    except PoseStudioError as exc:
        return str(exc)
    except Exception:  # onnxruntime itself missing or broken: the self-test's model checks say more
        log.warning("cannot list onnxruntime's providers", exc_info=True)
        return "unknown (onnxruntime did not list its providers)"
