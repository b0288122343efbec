"""How times, angle names, angle values and their colours are shown: one rule for the window (video, plot,
summary) and the exported video, so both read the same here.

Colour rule: the person's left side is orange (LEFT_RGB), the right side blue (RIGHT_RGB) - on the skeleton,
on angle labels and on curves - and everything that is neither (trunk, head, centre lines, custom angles
without a side) is a light neutral grey (NEUTRAL_RGB). Orange/blue stays distinct for colour-blind viewers.
"""

from __future__ import annotations

import math
import re

import numpy as np

from posestudio.core.models.skeleton import side_of

LEFT_RGB = (255, 140, 0)
RIGHT_RGB = (0, 170, 255)
NEUTRAL_RGB = (225, 225, 225)
SIDE_RGB: dict[str, tuple[int, int, int]] = {"left": LEFT_RGB, "right": RIGHT_RGB, "center": NEUTRAL_RGB}
LABEL_GAP_PX = 10          # from a joint to its value's box, on the outer side of the body
LABEL_MAX_MOVES = 6        # a label moved down this many times at most to clear earlier ones


def angle_colour(name: str) -> tuple[int, int, int]:
    """The colour of an angle (label, curve, legend) from its name's side."""
    return SIDE_RGB[side_of(name)]


def angle_display_name(name: str) -> str:
    """How an angle is named to the user everywhere: left_knee -> "Left knee"."""
    return name.replace("_", " ").capitalize()


def number_text(value: float, decimals: int = 0) -> str:
    """A number as shown to the user: no "-0" for a value that rounds to zero."""
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text


def angle_value_text(value: float) -> str:
    """An angle's value as written on the video: whole degrees with a degree sign."""
    return f"{number_text(value)}°"


def _hits_segment(left: float, top: float, w: float, h: float, seg) -> bool:
    """Whether the segment (ax, ay, bx, by) crosses the box (Liang-Barsky clipping)."""
    ax, ay, bx, by = seg
    if max(ax, bx) < left or min(ax, bx) > left + w or max(ay, by) < top or min(ay, by) > top + h:
        return False  # most limbs are nowhere near a label: the cheap test settles them
    return _crosses(left, top, w, h, ax, ay, bx, by)


def _crosses(left: float, top: float, w: float, h: float, ax: float, ay: float, bx: float, by: float) -> bool:
    """The exact part of _hits_segment, for a segment whose bounding box meets the box."""
    dx, dy = bx - ax, by - ay
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, ax - left), (dx, left + w - ax), (-dy, ay - top), (dy, top + h - ay)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 > t1:
            return False
    return True


def confident_segments(kps: np.ndarray, edges, min_score: float) -> list[tuple[float, float, float, float]]:
    """The skeleton segments (ax, ay, bx, by) between two confident points: what angle values should not cover."""
    edges = np.asarray(edges, dtype=int).reshape(-1, 2)
    with np.errstate(invalid="ignore"):
        sure = np.isfinite(kps[:, :2]).all(axis=1) & (kps[:, 2] >= min_score)
    a, b = edges[:, 0], edges[:, 1]
    keep = sure[a] & sure[b]
    return [(float(kps[i, 0]), float(kps[i, 1]), float(kps[j, 0]), float(kps[j, 1])) for i, j in zip(a[keep], b[keep])]


def place_label_boxes(boxes, limbs=()) -> list[tuple[float, float]]:
    """Top-left corners for angle-value boxes: each (x, y, outward, width, height) is a joint (see
    angle_label_place) and its box size, in the drawing's pixels. A box sits LABEL_GAP_PX beside its joint on
    the outer side, centred on it in height; where that covers a limb (limbs: (ax, ay, bx, by) segments, e.g.
    an arm raised sideways) or a box placed before it, it goes above or below that spot, then on the inner
    side; when every spot is taken it moves down below the boxes it would cover (both hips of a side view
    coincide). The window and the exported video place labels with this.

    Work: at most 4 spots x (boxes placed + limbs) and LABEL_MAX_MOVES x boxes placed tests per box, each a few
    comparisons on floats; nothing is allocated per test (it runs at each repaint of the video)."""
    placed: list[tuple[float, float, float, float]] = []   # left, top, right, bottom
    # each limb's bounding box once; the exact crossing test only for those that meet a spot
    segs = [(min(ax, bx), max(ax, bx), min(ay, by), max(ay, by), ax, ay, bx, by) for ax, ay, bx, by in limbs]
    out = []
    for x, y, outward, w, h in boxes:
        outer = x - LABEL_GAP_PX - w if outward < 0 else x + LABEL_GAP_PX
        inner = x + LABEL_GAP_PX if outward < 0 else x - LABEL_GAP_PX - w
        spots = ((outer, y - h / 2), (outer, y - LABEL_GAP_PX - h), (outer, y + LABEL_GAP_PX), (inner, y - h / 2))
        left, top = spots[0]
        for sx, sy in spots:
            if not _spot_taken(sx, sy, w, h, placed, segs):
                left, top = sx, sy
                break
        for _ in range(LABEL_MAX_MOVES):
            below = _lowest_cover(left, top, w, h, placed)
            if below is None:
                break
            top = below + 1
        placed.append((left, top, left + w, top + h))
        out.append((left, top))
    return out


def _spot_taken(left: float, top: float, w: float, h: float, placed, segs) -> bool:
    """Whether a box at (left, top) overlaps a placed box or crosses a limb."""
    right, bottom = left + w, top + h
    for b_left, b_top, b_right, b_bottom in placed:
        if left < b_right and b_left < right and top < b_bottom and b_top < bottom:
            return True
    for x_lo, x_hi, y_lo, y_hi, ax, ay, bx, by in segs:
        if x_hi < left or x_lo > right or y_hi < top or y_lo > bottom:
            continue
        if _crosses(left, top, w, h, ax, ay, bx, by):
            return True
    return False


def _lowest_cover(left: float, top: float, w: float, h: float, placed) -> float | None:
    """The lowest bottom edge of the placed boxes a box at (left, top) overlaps, None when it overlaps none."""
    right, bottom, lowest = left + w, top + h, None
    for b_left, b_top, b_right, b_bottom in placed:
        if left < b_right and b_left < right and top < b_bottom and b_top < bottom \
                and (lowest is None or b_bottom > lowest):
            lowest = b_bottom
    return lowest


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


_TIME = re.compile(r"^\s*(?:(\d+):)?(\d+(?:\.\d*)?|\.\d+)\s*(?:s|sec|seconds?)?\s*$", re.IGNORECASE)
_FRAME = re.compile(r"^\s*(?:frame\s*|f\s*|#\s*)?(\d+)\s*$", re.IGNORECASE)


def parse_time(text: str) -> float:
    """Seconds from what a user types: 1.5, 1.5 s, 0:01.5 or 1:02.250 (as format_time writes times).
    Raises ValueError with a sentence for the user."""
    match = _TIME.match(text or "")
    if not match:
        raise ValueError(f"'{text.strip()}' is not a time; type seconds (1.5) or minutes:seconds (0:01.500).")
    minutes, seconds = match.groups()
    return int(minutes or 0) * 60.0 + float(seconds)


def parse_position(text: str, timestamps) -> int:
    """The frame index a user means: a whole number (120, frame 120, #120) is a frame number; anything with
    a decimal point, a colon or an 's' is a time, taken to the frame shown at that time. Raises ValueError
    with a sentence for the user when the text is neither or lies outside the clip."""
    t = np.asarray(timestamps, dtype=np.float64)
    frame = _FRAME.match(text or "")
    if frame:
        index = int(frame.group(1))
        if index >= len(t):
            raise ValueError(f"Frame {index} is past the last frame ({len(t) - 1}).")
        return index
    seconds = parse_time(text)
    if len(t) == 0 or seconds > float(t[-1]) + 0.5:
        raise ValueError(f"{format_time(seconds)} is past the end of the clip ({format_time(t[-1] if len(t) else 0)}).")
    return max(0, int(np.searchsorted(t, seconds + 5e-4, side="right")) - 1)
