"""A batch worker with one thread (Settings.threads == 1, one worker per core) keeps to one core.

Left alone, one worker used about 1.4 cores: FFmpeg's codec threads (one per core, plus one), OpenCV's
pool for the crops, and the analysis' decode thread running beside the model. With one worker per core
that only makes the workers fight over the cores, and it capped 1 -> 2 workers at about 2 / 1.4. So such a
worker pins every pool to one thread and lets decoding and the model take turns. None of this changes a
result: FFmpeg's threading and OpenCV's row split are exact, onnxruntime already runs one thread.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_END = object()
_pinned: dict | None = None


def pin_blas_env() -> None:
    """One BLAS thread for numpy loaded after this (a process-pool worker; Dask's nanny sets the same)."""
    for name in BLAS_ENV:
        os.environ.setdefault(name, "1")


def pin_pools() -> dict:
    """Once per process: OpenCV's pool and FFmpeg's automatic codec threads down to one. Returns what each
    pool now has (ffmpeg None: its library was not found, the decoder keeps its threads)."""
    global _pinned
    if _pinned is None:
        import cv2

        pin_blas_env()
        cv2.setNumThreads(1)
        _pinned = {"opencv": cv2.getNumThreads(), "ffmpeg": _ffmpeg_one_cpu()}
        log.info("batch worker on one core: %s", _pinned)
    return _pinned


def _libavutil() -> str | None:
    """The libavutil PyAV itself runs on: the one mapped into this process (Linux), else PyAV's bundled copy."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.split(maxsplit=5)[-1].strip()
                if "libavutil" in Path(path).name:
                    return path
    except OSError:
        pass  # not Linux
    import av

    here = Path(av.__file__).resolve().parent
    for pattern in ("libavutil*", "avutil*.dll"):
        for folder in (here.parent / "av.libs", here / ".dylibs", here.parent / "av" / ".dylibs"):
            found = sorted(folder.glob(pattern))
            if found:
                return str(found[0])
    return None


def _ffmpeg_one_cpu() -> int | None:
    """FFmpeg picks its codec threads from av_cpu_count(); libavutil's public av_cpu_force_count(1) makes
    that one for every decoder opened from now on (PyAV offers no process-wide setting)."""
    import av  # noqa: F401  loads libavutil, so the maps list it

    path = _libavutil()
    if path is None:
        log.warning("libavutil not found: the decoder keeps its own threads")
        return None
    try:
        lib = ctypes.CDLL(path)
        lib.av_cpu_force_count(ctypes.c_int(1))
        return int(lib.av_cpu_count())
    except (OSError, AttributeError):
        log.warning("cannot set FFmpeg's thread count through %s", path, exc_info=True)
        return None


class _Turns:
    """The video source as analyse_video reads it, each frame decoded only while holding `gate`."""

    def __init__(self, source, gate: threading.Lock):
        self._source, self._gate = source, gate

    def __getattr__(self, name):
        return getattr(self._source, name)

    def frames(self, *args, **kwargs):
        frames = self._source.frames(*args, **kwargs)  # a bad keyword raises here, as the source's would
        return self._in_turn(frames)

    def _in_turn(self, frames):
        try:
            while True:
                with self._gate:
                    item = next(frames, _END)
                if item is _END:
                    return
                yield item
        finally:
            frames.close()


class _ModelTurns:
    """The estimator, its `estimate` run only while holding `gate`; everything else goes to the estimator."""

    def __init__(self, estimator, gate: threading.Lock):
        object.__setattr__(self, "_estimator", estimator)
        object.__setattr__(self, "_gate", gate)

    def __getattr__(self, name):
        return getattr(self._estimator, name)

    def __setattr__(self, name, value):  # the analysis sets e.g. frame_rate on the estimator itself
        setattr(self._estimator, name, value)

    def estimate(self, *args, **kwargs):
        with self._gate:
            return self._estimator.estimate(*args, **kwargs)


def take_turns(source, estimator):
    """(source, estimator) for analyse_video whose decoding and inference never run at the same time."""
    gate = threading.Lock()
    return _Turns(source, gate), _ModelTurns(estimator, gate)
