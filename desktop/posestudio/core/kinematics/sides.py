"""Undo left/right mix-ups of the legs (and arms) that pose models make in side views.

In a side view the two legs overlap, and models such as MoveNet sometimes label the left leg as the right
for a few frames; the knee curves then jump between the two legs. Over the whole clip we pick, per frame,
whether the labels are as given or swapped, minimising how far the points move from frame to frame plus a
fixed price for every frame we swap (the model is right most of the time). A two-state Viterbi pass finds the
cheapest sequence. Nothing is swapped when both choices move about as much (the legs crossing) or when the
evidence is missing.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE
LEG_PARTS = ("hip", "knee", "ankle", "heel", "foot_index")
ARM_PARTS = ("shoulder", "elbow", "wrist", "pinky", "index", "thumb")
# the swap decision is driven by the limb ends; hips and shoulders nearly overlap in side views anyway
_DECIDING = {"leg": ("knee", "ankle", "heel", "foot_index"), "arm": ("elbow", "wrist")}


def _pairs(names: Sequence[str], parts: Sequence[str]) -> list[tuple[int, int, str]]:
    index = {n: i for i, n in enumerate(names)}
    return [(index[f"left_{p}"], index[f"right_{p}"], p) for p in parts
            if f"left_{p}" in index and f"right_{p}" in index]


def _xy(kp: np.ndarray, min_score: float) -> np.ndarray:
    xy = kp[..., :2].astype(np.float64)
    if kp.shape[-1] > 2:
        with np.errstate(invalid="ignore"):
            xy = np.where((kp[..., 2] >= min_score)[..., None], xy, np.nan)
    return xy


def _body_scale(xy: np.ndarray, names: Sequence[str]) -> float:
    index = {n: i for i, n in enumerate(names)}
    needed = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    if not all(n in index for n in needed):
        return np.nan
    sh = np.nanmean(xy[:, [index["left_shoulder"], index["right_shoulder"]]], axis=1)
    hp = np.nanmean(xy[:, [index["left_hip"], index["right_hip"]]], axis=1)
    torso = np.hypot(*(sh - hp).T)
    return float(np.nanmedian(torso)) if np.isfinite(torso).any() else np.nan


def side_swaps(keypoints: np.ndarray, keypoint_names: Sequence[str], limb: str = "leg", min_score: float = DEFAULT_MIN_SCORE,
               swap_price: float = 0.25) -> np.ndarray:
    """(F,) bool: frames whose left and right `limb` ("leg" or "arm") labels should be exchanged.

    swap_price is in torso lengths of movement: swapping a frame must save more frame-to-frame movement
    of the limb ends than that.
    """
    kp = np.asarray(keypoints)
    f = kp.shape[0]
    pairs = _pairs(keypoint_names, _DECIDING[limb])
    out = np.zeros(f, dtype=bool)
    if f < 2 or not pairs:
        return out
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        xy = _xy(kp, min_score)
        scale = _body_scale(xy, keypoint_names)
    if not np.isfinite(scale) or scale <= 0:
        return out
    left = xy[:, [p[0] for p in pairs]] / scale    # (F, J, 2)
    right = xy[:, [p[1] for p in pairs]] / scale
    states = (np.stack([left, right], 1), np.stack([right, left], 1))  # as given, swapped: (F, 2, J, 2)

    def move(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = np.hypot(*(b - a).transpose(3, 0, 1, 2))  # (F-1, 2, J)
        return np.nansum(d, axis=(1, 2))              # missing points cost nothing either way

    # movement from frame i to i+1 as given->given, swapped->given, given->swapped, swapped->swapped
    s00, s10, s01, s11 = (move(states[a][:-1], states[b][1:]).tolist() for a, b in ((0, 0), (1, 0), (0, 1), (1, 1)))
    # plain floats: numpy calls on two numbers per frame made this loop most of an hour-long clip's angle time
    c0, c1 = 0.0, swap_price
    back0, back1 = [0] * f, [0] * f   # the best previous state for each state at frame i
    for i in range(1, f):
        g, s = c0 + s00[i - 1], c1 + s10[i - 1]
        b0, n0 = (1, s) if s < g else (0, g)
        g, s = c0 + s01[i - 1], c1 + s11[i - 1]
        b1, n1 = (1, s) if s < g else (0, g)
        back0[i], back1[i] = b0, b1
        c0, c1 = n0, n1 + swap_price
    state = 1 if c1 < c0 else 0
    for i in range(f - 1, -1, -1):
        out[i] = bool(state)
        state = back1[i] if state else back0[i]
    return out


def deciding_points(keypoint_names: Sequence[str], limb: str) -> list[int]:
    """Indices of the keypoints a limb's swap decision is made of: its ends, and the trunk (the body's scale)."""
    index = {n: i for i, n in enumerate(keypoint_names)}
    names = [f"{side}_{p}" for p in _DECIDING[limb] + ("shoulder", "hip") for side in ("left", "right")]
    return [index[n] for n in names if n in index]


def fix_side_swaps(keypoints: np.ndarray, keypoint_names: Sequence[str], min_score: float = DEFAULT_MIN_SCORE,
                   swap_price: float = 0.25, known: dict | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Copy of (F, K, C) keypoints with mixed-up legs and arms relabelled, and which frames were changed.
    known: limb -> its swaps already worked out on keypoints whose deciding_points were the same (kept)."""
    src = np.asarray(keypoints)
    kp = src.copy()
    changed = {}
    for limb, parts in (("leg", LEG_PARTS), ("arm", ARM_PARTS)):
        swaps = known[limb] if known and limb in known else side_swaps(kp, keypoint_names, limb, min_score, swap_price)
        for li, ri, _ in _pairs(keypoint_names, parts):
            if _ in ("shoulder", "hip"):
                continue  # the trunk's own points stay: only the limb hanging from them was mislabelled
            kp[swaps, li], kp[swaps, ri] = src[swaps, ri], src[swaps, li]
        changed[limb] = swaps
    return kp, changed
