"""Which joint angles the window can show and how to compute them, via posestudio.core.kinematics.

Until that module offers its API the window falls back to simple three-point angles for knees, hips
and elbows, so the rest of the window does not care which one is in use.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

try:  # the kinematics helper may not have delivered yet
    from posestudio.core import kinematics as _kin

    _HAVE_KINEMATICS = all(
        hasattr(_kin, name) for name in ("DEFAULT_ANGLES", "available_angles", "unavailable_reason", "compute_angles")
    )
except Exception:  # pragma: no cover - depends on another helper's progress
    _kin = None
    _HAVE_KINEMATICS = False


@dataclass(frozen=True)
class AngleInfo:
    name: str
    label: str                    # "Left knee"
    anchor: tuple[str, ...]       # keypoints whose mean position carries the value on the video
    convention: str
    reason: str | None = None     # why it cannot be computed with this keypoint set (None: available)

    @property
    def available(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class _Fallback:
    name: str
    keypoints: tuple[str, str, str]
    convention: str
    kind: str = "three_point"


_FALLBACK = (
    _Fallback("left_knee", ("left_hip", "left_knee", "left_ankle"), "0 = straight leg, grows as the knee bends"),
    _Fallback("right_knee", ("right_hip", "right_knee", "right_ankle"), "0 = straight leg, grows as the knee bends"),
    _Fallback("left_hip", ("left_shoulder", "left_hip", "left_knee"), "0 = thigh in line with the trunk, grows as the hip flexes"),
    _Fallback("right_hip", ("right_shoulder", "right_hip", "right_knee"), "0 = thigh in line with the trunk, grows as the hip flexes"),
    _Fallback("left_elbow", ("left_shoulder", "left_elbow", "left_wrist"), "0 = straight arm, grows as the elbow bends"),
    _Fallback("right_elbow", ("right_shoulder", "right_elbow", "right_wrist"), "0 = straight arm, grows as the elbow bends"),
)


def label_for(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _definitions():
    return tuple(_kin.DEFAULT_ANGLES) if _HAVE_KINEMATICS else _FALLBACK


def _anchor(defn) -> tuple[str, ...]:
    """Where the value is written: the joint two segments share, else the middle of the keypoints."""
    kps = tuple(defn.keypoints)
    if getattr(defn, "kind", "") == "three_point" and len(kps) == 3:
        return (kps[1],)
    shared = tuple(k for k in dict.fromkeys(kps) if kps.count(k) > 1)
    if shared:
        return shared
    virtual = getattr(_kin, "VIRTUAL_POINTS", {}) if _HAVE_KINEMATICS else {}
    if getattr(defn, "kind", "") == "segment_pair" and len(kps) == 4:
        kps = kps[1:2]  # e.g. the ankle for knee-ankle vs heel-toe
    return tuple(part for k in kps for part in virtual.get(k, (k,)))


def catalog(keypoint_names: tuple[str, ...] | list[str]) -> list[AngleInfo]:
    """Every angle the app knows, each marked with why it is unavailable for these keypoints, if it is."""
    return list(_catalog(tuple(keypoint_names)))


@functools.lru_cache(maxsize=8)
def _catalog(names: tuple[str, ...]) -> tuple[AngleInfo, ...]:
    infos = []
    for defn in _definitions():
        if _HAVE_KINEMATICS:
            reason = _kin.unavailable_reason(defn, names)
        else:
            missing = [k for k in defn.keypoints if k not in names]
            reason = f"This model has no {', '.join(missing)} keypoint." if missing else None
        infos.append(AngleInfo(defn.name, label_for(defn.name), _anchor(defn), defn.convention, reason))
    return tuple(infos)


def _three_point(kp: np.ndarray, names: tuple[str, ...], defn: _Fallback, min_score: float) -> np.ndarray:
    a, b, c = (kp[:, names.index(k)] for k in defn.keypoints)
    ok = (a[:, 2] >= min_score) & (b[:, 2] >= min_score) & (c[:, 2] >= min_score)
    u = a[:, :2] - b[:, :2]
    v = c[:, :2] - b[:, :2]
    cos = np.sum(u * v, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1) + 1e-9)
    interior = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return np.where(ok, 180.0 - interior, np.nan)


def _smooth_fallback(values: np.ndarray) -> np.ndarray:
    """Centred 5-frame mean over finite samples; gaps stay gaps."""
    finite = np.isfinite(values)
    filled = np.where(finite, values, 0.0)
    kernel = np.ones(5)
    total = np.convolve(filled, kernel, mode="same")
    count = np.convolve(finite.astype(float), kernel, mode="same")
    out = total / np.maximum(count, 1)
    return np.where(finite, out, np.nan)


def compute(keypoints: np.ndarray, keypoint_names, wanted: list[str], timestamps: np.ndarray,
            min_score: float, smooth: bool) -> dict[str, np.ndarray]:
    """Angles (degrees, NaN where untrusted) for one person's (F, K, 3) keypoints. Runs on a worker thread."""
    names = tuple(keypoint_names)
    available = {i.name for i in catalog(names) if i.available}
    wanted = [w for w in wanted if w in available]
    if not wanted or len(keypoints) == 0:
        return {}
    if _HAVE_KINEMATICS:
        defs = [d for d in _kin.DEFAULT_ANGLES if d.name in wanted]
        out = _kin.compute_angles(keypoints, names, angles=defs, min_score=min_score)
    else:
        out = {d.name: _three_point(keypoints, names, d, min_score) for d in _FALLBACK if d.name in wanted}
    if smooth:
        smoother = getattr(_kin, "smooth", None) if _HAVE_KINEMATICS else None
        for key, values in out.items():
            if np.count_nonzero(np.isfinite(values)) < 8:
                continue
            try:
                out[key] = smoother(values, timestamps) if smoother else _smooth_fallback(values)
            except Exception:  # a short or odd track should not take the curve away
                log.warning("Smoothing %s failed; showing raw values", key, exc_info=True)
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}
