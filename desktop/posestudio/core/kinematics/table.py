"""One call from keypoints to every angle's raw, filtered and velocity tracks (window, CLI, exports)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

from .angles import AngleDef, available_angles, compute_angles, default_angle, outside_picture_missing
from .reliability import DEFAULT_MIN_SEGMENT_FRACTION, DEFAULT_MIN_SEGMENT_PX, short_segment_mask
from .filtering import (
    DEFAULT_MAX_BRIDGE_RATE, DEFAULT_MAX_GAP_S, DEFAULT_ORDER, angular_velocity, bridge_and_filter, drop_doubtful,
)
from .sides import fix_side_swaps
from .summary import gait_cadence, summarise, usual_range


@dataclass
class AngleTable:
    """Angle tracks of one person. `raw` is straight from the keypoints; `filtered` is cleaned (outliers,
    short gaps, low-pass) when smoothing was on, else a copy of raw; `velocity` (deg/s) is from `filtered`."""

    timestamps: np.ndarray
    angles: dict[str, AngleDef]
    raw: dict[str, np.ndarray]
    filtered: dict[str, np.ndarray]
    velocity: dict[str, np.ndarray]
    settings: dict = field(default_factory=dict)
    side_swaps: dict[str, np.ndarray] = field(default_factory=dict)  # "leg"/"arm" -> (F,) frames relabelled
    # name -> (F,) True where a segment was too short to give a direction (left out of `filtered`)
    too_short: dict[str, np.ndarray] = field(default_factory=dict)
    # name -> (F,) with smoothing on, the track before its gaps are bridged and it is low-passed (drop_doubtful):
    # where a correction changed this, the curve is smoothed again (table_patch)
    cleaned: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.angles)

    def __contains__(self, name: str) -> bool:
        return name in self.angles

    def columns(self, raw: bool = True, velocity: bool = True) -> dict[str, np.ndarray]:
        """Ordered export columns: NAME (filtered), NAME_raw, NAME_velocity for each angle."""
        out: dict[str, np.ndarray] = {}
        for name in self.angles:
            out[name] = self.filtered[name]
            if raw:
                out[f"{name}_raw"] = self.raw[name]
            if velocity:
                out[f"{name}_velocity"] = self.velocity[name]
        return out

    def summary(self, t0: float | None = None, t1: float | None = None, filtered: bool = True) -> dict[str, dict]:
        """summarise() of every angle over [t0, t1]."""
        src = self.filtered if filtered else self.raw
        return {name: summarise(src[name], self.timestamps, t0, t1, raw=self.raw[name], joint_range=usual_range(name))
                for name in self.angles}

    def gait(self, t0: float | None = None, t1: float | None = None) -> dict:
        """Steps and cadence from the knee curves (NaN cadence if the knees are not in the table)."""
        return gait_cadence(self.filtered.get("left_knee"), self.filtered.get("right_knee"),
                            self.timestamps, t0, t1)


def value_bounds(angle: AngleDef) -> tuple[float, float] | None:
    """The range an angle's values can take: unsigned angles 0..180 (less their offset); signed ones are
    unwrapped over time and unbounded."""
    if angle.kind in ("three_point", "segment_pair"):
        return (0.0 - angle.offset, 180.0 - angle.offset)
    return None


def angle_table(keypoints: np.ndarray, timestamps, keypoint_names, angles=None, min_score: float = DEFAULT_MIN_SCORE,
                smoothing: bool = True, cutoff_hz: float = 6.0, order: int = DEFAULT_ORDER,
                max_gap_s: float = DEFAULT_MAX_GAP_S, fix_sides: bool = True, frame_size=None,
                min_segment_fraction: float = DEFAULT_MIN_SEGMENT_FRACTION,
                min_segment_px: float = DEFAULT_MIN_SEGMENT_PX, left_out=None) -> AngleTable:
    """Angles of one person (keypoints (F, K, 3)) with raw, filtered and velocity tracks per angle name.

    angles: AngleDefs or default names (None = all the keypoint set allows); see compute_angles.
    fix_sides: first undo frames where the model swapped the left and right legs or arms (see sides.py);
    `raw` is then unfiltered but from the relabelled keypoints, and `side_swaps` says which frames changed.
    frame_size: (width, height); points outside the picture count as missing (AnalysisResult.track already
    does this, so callers passing its keypoints need not).
    min_segment_fraction, min_segment_px: with smoothing on, samples where a segment of the angle is shorter
    than this share of the trunk or this many pixels are left out of `filtered` (see reliability.py).
    left_out: (F, K) bool, points the user saw were wrong (core.left_out); missing in `raw` and `filtered`.
    They name sides as the curves show them, so they apply after the side fix.
    """
    t = np.asarray(timestamps, dtype=np.float64)
    if np.shape(keypoints)[0] != t.size:
        raise ValueError(f"{np.shape(keypoints)[0]} frames of keypoints but {t.size} timestamps")
    if angles is None:
        angles = available_angles(keypoint_names)
    else:
        angles = [default_angle(a) if isinstance(a, str) else a for a in angles]
    settings = {"min_score": min_score, "smoothing": smoothing, "cutoff_hz": cutoff_hz, "order": order,
                "max_gap_s": max_gap_s, "fix_sides": fix_sides, "frame_size": frame_size,
                "min_segment_fraction": min_segment_fraction, "min_segment_px": min_segment_px}
    table_defs = {a.name: a for a in angles}
    raw, too_short, cleaned, swaps = table_inputs(keypoints, t, keypoint_names, table_defs, settings, left_out)
    filtered = {n: bridge_and_filter(cleaned[n], t, cutoff_hz, order, max_gap_s, value_bounds(table_defs[n]),
                                     DEFAULT_MAX_BRIDGE_RATE)
                if smoothing else v.copy() for n, v in raw.items()}
    velocity = {n: angular_velocity(v, t) for n, v in filtered.items()}
    return AngleTable(t, table_defs, raw, filtered, velocity, settings, swaps, too_short, cleaned)


def table_inputs(keypoints, t: np.ndarray, keypoint_names, defs: dict[str, AngleDef], settings: dict, left_out=None,
                 before: "AngleTable | None" = None, known_swaps: dict | None = None):
    """(raw, too_short, cleaned, side swaps) of angle_table: what looks at the whole track (the side fix, the
    unwrapped raw angles, the spikes' limit) before the bridging and low-pass, which look only around each
    sample. `settings` as AngleTable.settings. before: a table of the same track and settings, whose cleaned
    curves are kept where their raw angles and short segments did not change; known_swaps: its side swaps of
    the limbs whose deciding points did not change (see fix_side_swaps)."""
    kp = np.asarray(keypoints)
    min_score, smoothing = settings["min_score"], settings["smoothing"]
    if settings["frame_size"] is not None:
        kp = outside_picture_missing(kp, settings["frame_size"])
    swaps: dict[str, np.ndarray] = {}
    if settings["fix_sides"] and kp.shape[0] > 1:
        kp, swaps = fix_side_swaps(kp, keypoint_names, min_score, known=known_swaps)
    if left_out is not None:
        kp = np.array(kp, dtype=np.float64)
        kp[..., 2] = np.where(left_out, 0.0, kp[..., 2])
    raw = compute_angles(kp, keypoint_names, list(defs.values()), min_score)
    if not smoothing:
        return raw, {}, {}, swaps
    too_short = short_segment_mask(kp, keypoint_names, list(defs.values()), min_score,
                                   settings["min_segment_fraction"], settings["min_segment_px"])
    cleaned = {}
    for n, v in raw.items():
        if before is not None and n in before.cleaned and np.array_equal(v, before.raw[n], equal_nan=True) \
                and np.array_equal(too_short[n], before.too_short[n]):
            cleaned[n] = before.cleaned[n]
        else:
            cleaned[n] = drop_doubtful(np.where(too_short[n], np.nan, v), t, settings["max_gap_s"])
    return raw, too_short, cleaned, swaps
