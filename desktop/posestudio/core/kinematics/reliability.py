"""Which angle samples the keypoints can support at all: segments too short to have a direction.

An angle read off a segment of length L whose end points are each off by e pixels is off by about
e * sqrt(2) / L radians. Keypoint errors grow with the person (a model's error is a share of the body), so
a forearm pointing at the camera, or every limb of a player 60 pixels tall, gives angles that swing by tens
of degrees from frame to frame while the video shows a still arm. Such samples are measurement noise, not
movement: the cleaned track leaves them out (gaps, bridged when short) and the raw track keeps them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

from .angles import AngleDef, points_lookup

# a segment shorter than this share of the trunk (shoulder centre to hip centre, typical over about a
# second) or than this many pixels gives no usable direction (README: Smoothing, velocities and summaries)
DEFAULT_MIN_SEGMENT_FRACTION = 0.25
DEFAULT_MIN_SEGMENT_PX = 6.0
SCALE_WINDOW = 31  # frames over which the trunk length is taken (its median), ~1 s at 30 fps


def segments_of(angle: AngleDef) -> list[tuple[str, str]]:
    """The point pairs whose directions make the angle."""
    k = angle.keypoints
    if angle.kind == "three_point":
        return [(k[1], k[0]), (k[1], k[2])]
    if angle.kind == "segment_pair":
        return [(k[0], k[1]), (k[2], k[3])]
    return [(k[0], k[1])]


def _rolling_nanmedian(x: np.ndarray, window: int) -> np.ndarray:
    n = x.size
    if n == 0:
        return x.copy()
    half = max(window, 1) // 2
    padded = np.concatenate([np.full(half, np.nan), x, np.full(half, np.nan)])
    views = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    # sorted rows put NaN last: the middle of each row's valid values, as np.nanmedian gives it (which
    # took 15-50 ms on a 5-minute clip, and runs again after each hand correction)
    count = (~np.isnan(views)).sum(axis=1)
    ordered = np.sort(views, axis=1)
    rows = np.arange(n)
    low = ordered[rows, np.maximum(count - 1, 0) // 2]
    high = ordered[rows, np.where(count > 0, count // 2, 0)]
    out = (low + high) / 2.0
    out[count == 0] = np.nan
    return out


def trunk_scale(points, window: int = SCALE_WINDOW) -> np.ndarray:
    """(F,) typical trunk length in pixels around each frame; the whole track's median where a window has
    no trunk, NaN when the track never shows one."""
    if not (points.has("shoulder_center") and points.has("hip_center")):
        return np.full(points.kp.shape[0], np.nan)
    trunk = np.hypot(*(points("shoulder_center") - points("hip_center")).T)
    scale = _rolling_nanmedian(trunk, window)
    if np.isfinite(trunk).any():
        scale = np.where(np.isfinite(scale), scale, np.nanmedian(trunk))
    return scale


def short_segment_mask(keypoints: np.ndarray, keypoint_names: Sequence[str], angles: Sequence[AngleDef],
                       min_score: float = DEFAULT_MIN_SCORE, min_fraction: float = DEFAULT_MIN_SEGMENT_FRACTION,
                       min_px: float = DEFAULT_MIN_SEGMENT_PX) -> dict[str, np.ndarray]:
    """name -> (F,) True where one of the angle's segments is shorter than max(min_fraction x trunk, min_px).

    Frames where the points themselves are missing are False here (they are NaN already).
    """
    pts = points_lookup(np.asarray(keypoints, dtype=np.float64), keypoint_names, min_score)
    scale = trunk_scale(pts)
    with np.errstate(invalid="ignore"):
        limit = np.fmax(min_fraction * scale, min_px)  # fmax: a NaN scale leaves the pixel floor
    out = {}
    for a in angles:
        short = np.zeros(pts.kp.shape[0], dtype=bool)
        for p, q in segments_of(a):
            if not (pts.has(p) and pts.has(q)):
                continue
            length = np.hypot(*(pts(q) - pts(p)).T)
            with np.errstate(invalid="ignore"):
                short |= length < limit
        out[a.name] = short
    return out
