"""The read-out under the mouse: the time and each visible curve's value there."""

from __future__ import annotations

import numpy as np

from posestudio.app.angles import label_for
from posestudio.app.timeline.rows import left_first


def frame_at(timestamps: np.ndarray, seconds: float) -> int:
    """Index of the frame showing at `seconds` (the last one starting at or before it), -1 before the first."""
    if timestamps is None or len(timestamps) == 0:
        return -1
    return int(np.searchsorted(timestamps, seconds + 1e-9, side="right")) - 1


def readout(seconds: float, index: int, curves: list[tuple[str, float]]) -> str:
    """'1.23 s · Left knee 123.4° · Right knee —' for (angle name, value) pairs, in the order given."""
    parts = [f"{seconds:.2f} s"]
    if index >= 0:
        parts[0] += f" (frame {index})"
    for name, value in curves:
        parts.append(f"{label_for(name)} {value:.1f}°" if np.isfinite(value) else f"{label_for(name)} —")
    return "   ".join(parts)


def curve_values(rows, clip: str, index: int) -> list[tuple[str, float]]:
    """(angle name, value at frame `index`) of `clip`'s curves in `rows`, left before right in each row."""
    return [(name, curve.value_at(index)) for row in rows
            for (key, name), curve in sorted(row.curves.items(), key=lambda kv: left_first(kv[0][1])) if key == clip]
