"""Sudden changes: steps between two frames of a cleaned angle curve faster than a body part moves.

Cleaning removes the model's short slips, but not a wrong pose the model holds for many frames (a limb
drawn on a railing behind the person for two thirds of a second): the curve then jumps where the model
corrects itself. Nothing in the keypoints tells such a jump from a very fast real movement (a throw), so
they are pointed out for the user to check against the video, not removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .filtering import FAST_RATE

SUDDEN_RATE = FAST_RATE  # degrees per second: 40 between frames at 30 fps, as fast as throws and strikes


@dataclass(frozen=True)
class SuddenChange:
    frame: int                 # the first frame showing the new value
    time: float                # its time, seconds
    names: tuple[str, ...]     # the angles that change this fast there
    step: float                # the largest change across the frames it spans, degrees
    last_frame: int            # the last frame of a change spread over several


def sudden_steps(values: np.ndarray, timestamps: np.ndarray, rate: float = SUDDEN_RATE) -> np.ndarray:
    """Indexes i where the step from sample i to i+1 is faster than `rate` (both samples finite)."""
    v = np.asarray(values, dtype=np.float64)
    dt = np.diff(np.asarray(timestamps, dtype=np.float64))
    with np.errstate(invalid="ignore"):
        fast = np.abs(np.diff(v)) > rate * dt
    return np.flatnonzero(fast)


def sudden_changes(table, rate: float = SUDDEN_RATE) -> list[SuddenChange]:
    """Sudden changes in the cleaned (`filtered`) curves of an AngleTable, in time order. The low-pass
    spreads one jump over a frame or two: steps in consecutive frames make one change."""
    t = np.asarray(table.timestamps, dtype=np.float64)
    fast: dict[int, set[str]] = {}
    for name in table.names:
        for i in sudden_steps(table.filtered[name], t, rate):
            fast.setdefault(int(i) + 1, set()).add(name)
    runs: list[list[int]] = []
    for f in sorted(fast):
        if runs and f == runs[-1][-1] + 1:
            runs[-1].append(f)
        else:
            runs.append([f])
    out = []
    for run in runs:
        first, last = run[0], run[-1]
        hit = sorted(set().union(*(fast[f] for f in run)))
        # across the whole change (NaN where an angle's own fast steps start later in it)
        step = float(np.nanmax([abs(table.filtered[n][last] - table.filtered[n][first - 1]) for n in hit]))
        out.append(SuddenChange(first, float(t[first]), tuple(hit), step, last))
    return out


def describe(change: SuddenChange) -> str:
    """One sentence for a tooltip or the command line."""
    frames = f"Frame {change.frame}" if change.last_frame == change.frame else \
        f"Frames {change.frame}-{change.last_frame}"
    what = ", ".join(change.names[:4]) + (f" and {len(change.names) - 4} more" if len(change.names) > 4 else "")
    return (f"{frames} ({change.time:.2f} s): {what} changed by up to {change.step:.0f}°. Check the video: "
            f"a real movement this fast is rare; a pose the model got wrong can be left out.")
