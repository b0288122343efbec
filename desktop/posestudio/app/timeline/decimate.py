"""What a curve draws of a long clip: for the time range in view, at most about two points per pixel column,
each column's smallest and largest value (so no peak is lost), taken from a pyramid of block minima and
maxima kept beside the samples. Drawing a view costs in proportion to the plot's width, whatever the clip's
length; samples filled in while analysing (anywhere: segments of the clip are analysed side by side) update only
the blocks that hold them, span by span, never the stretch between two spans. No Qt here."""

from __future__ import annotations

import numpy as np


def _pairs(values: np.ndarray, start: int, stop: int, reduce) -> np.ndarray:
    """reduce over consecutive pairs of values[start:stop] (start even); an odd last one stands alone."""
    part = values[start:stop]
    if part.size % 2:
        part = np.append(part, np.nan)   # fmin / fmax ignore the NaN
    return reduce(part[0::2], part[1::2])


def merge_spans(spans) -> list[tuple[int, int]]:
    """(start, stop) spans sorted, the empty ones dropped and those that overlap or touch joined."""
    out: list[tuple[int, int]] = []
    for a, b in sorted((int(a), int(b)) for a, b in spans if b > a):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class MinMaxPyramid:
    """Level k holds the min and max of blocks of 2**k samples (level 0: the samples themselves, not copied).
    Only samples [0, count) count; NaN samples are ignored unless a whole block is NaN (then the line breaks)."""

    def __init__(self, t: np.ndarray, y: np.ndarray, count: int | None = None):
        self.t, self.y = t, y
        self.count = 0
        self.lo: list[np.ndarray] = [y]
        self.hi: list[np.ndarray] = [y]
        size = len(y)
        while size > 1:   # room for the whole array up front: growing fills it in place
            size = (size + 1) // 2
            self.lo.append(np.full(size, np.nan))
            self.hi.append(np.full(size, np.nan))
        self.computed = 0   # blocks worked out so far, all levels (tests count them)
        self.update(len(y) if count is None else count)

    def update(self, count: int, changed=()) -> None:
        """Samples [0, count) count now; those in the `changed` spans (start, stop) and those past the previous
        count are new or changed (the arrays are the same): only the blocks that hold them are worked out again."""
        old, n = self.count, min(int(count), len(self.y))
        self.count = n
        spans = [(max(a, 0), min(b, n)) for a, b in changed] + [(min(old, n), n)]
        if 0 < n < old:
            spans.append((n - 1, n))   # the last blocks now end at the new count
        spans = merge_spans(spans)
        for k in range(1, len(self.lo)):
            half = (n + 1) // 2
            spans = merge_spans((a // 2, min((b + 1) // 2, half)) for a, b in spans)
            for a, b in spans:
                self.lo[k][a:b] = _pairs(self.lo[k - 1], 2 * a, min(2 * b, n), np.fmin)
                self.hi[k][a:b] = _pairs(self.hi[k - 1], 2 * a, min(2 * b, n), np.fmax)
                self.computed += b - a
            n = half

    def bounds(self) -> tuple[float, float]:
        """(min, max) of every sample, (nan, nan) when none is finite: from the top block, no scan."""
        if self.count == 0:
            return float("nan"), float("nan")
        top = len(self.lo) - 1
        return float(self.lo[top][0]), float(self.hi[top][0])

    def view(self, x0: float, x1: float, columns: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(x, low, high) to draw for times [x0, x1] on `columns` pixels, one sample more on each side so the
        line runs off the edges. With no more than two samples per column: the samples themselves (high is
        None); else per block of samples its first time, min and max, no more blocks than columns."""
        t, count = self.t, self.count
        if count == 0:
            return np.zeros(0), np.zeros(0), None
        i0 = max(int(np.searchsorted(t[:count], x0, side="right")) - 1, 0)
        i1 = min(int(np.searchsorted(t[:count], x1, side="left")) + 1, count)
        columns = max(int(columns), 1)
        if i1 - i0 <= 2 * columns:
            return t[i0:i1], self.y[i0:i1], None
        k = 1
        while k < len(self.lo) - 1 and (i1 - i0) >> k > columns:
            k += 1
        j0, j1 = i0 >> k, min(-(-i1 >> k), -(-count >> k))
        x = t[j0 << k:min(j1 << k, count):1 << k]
        return x, self.lo[k][j0:j0 + len(x)], self.hi[k][j0:j0 + len(x)]

