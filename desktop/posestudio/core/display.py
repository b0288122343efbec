"""How times and angle values are shown, the same in the window and in the exported video."""

from __future__ import annotations

import math

import numpy as np


def format_time(seconds: float) -> str:
    """m:ss.mmm, e.g. 1:01.500; negative times show as 0."""
    minutes, secs = divmod(max(0.0, float(seconds)), 60.0)
    return f"{int(minutes)}:{secs:06.3f}"


def body_centre_x(keypoints: np.ndarray, min_score: float) -> float:
    """Mean x of one person's (K, 3) keypoints scored at least min_score (0 when there are none)."""
    kps = np.asarray(keypoints)
    with np.errstate(invalid="ignore"):
        sure = kps[np.isfinite(kps).all(axis=1) & (kps[:, 2] >= min_score)]
    return float(sure[:, 0].mean()) if len(sure) else 0.0


def angle_label_place(keypoints: np.ndarray, anchor, centre_x: float,
                      min_score: float) -> tuple[float, float, int] | None:
    """Where an angle's value is written: (x, y) of its joint (the mean of the `anchor` keypoint indices) and
    the side to write it on, -1 left of that point or 1 right; None when an anchor point is missing or
    scored below min_score.

    The side is the outer side of the body (away from centre_x, see body_centre_x), so a value never sits
    on the limb it measures and a left/right pair never overlaps.
    """
    if len(anchor) == 1:  # the usual case: skip numpy's slow small-array mean (drawn per frame)
        x, y, score = (float(v) for v in keypoints[anchor[0]][:3])
        if not (score >= min_score and math.isfinite(x) and math.isfinite(y)):
            return None
    else:
        points = np.asarray(keypoints)[list(anchor)]
        if not (np.isfinite(points).all() and (points[:, 2] >= min_score).all()):
            return None
        x, y = (float(v) for v in points[:, :2].mean(axis=0))
    return x, y, -1 if x < centre_x else 1
