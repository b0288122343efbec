"""Draw skeletons, angle labels, a time stamp, a title and a small angle plot on RGB frames with OpenCV.

Used by the video export; the palette is plain data so the window can draw with the same colours.
Everything that does not change per frame (colours, line widths, the plot's curves) is computed once,
so drawing a frame costs a few dozen cv2 calls on small regions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import cv2
import numpy as np

from posestudio.core.display import (
    LEFT_RGB, NEUTRAL_RGB, RIGHT_RGB, SIDE_RGB, angle_colour, angle_display_name, angle_label_place,
    angle_value_text, body_centre_x, confident_segments, format_time, place_label_boxes,
)
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE, side_of

# LEFT_RGB, RIGHT_RGB are read from here too. Side colours (RGB): the one rule in core.display (left orange, right blue, the rest neutral grey), readable
# on dark and bright footage thanks to the dark outline drawn under them.
CENTER_RGB = NEUTRAL_RGB
SIDE_COLOURS = SIDE_RGB
OUTLINE_RGB = (20, 20, 20)
HAND_RGB = (255, 230, 80)  # points the user placed by hand (the window rings them in the same colour)
FADED_GREY = (128, 128, 128)
FADED_KEEP = 0.35  # share of the side colour kept for joints below the confidence threshold
PLOT_COLOURS = ((255, 140, 0), (0, 170, 255), (120, 220, 90), (230, 90, 200), (250, 220, 60), (160, 160, 255))

_SHIFT = 4  # cv2 sub-pixel precision: coordinates are multiplied by 2**_SHIFT
_ONE = 1 << _SHIFT
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def faded(rgb: Sequence[int], keep: float = FADED_KEEP) -> tuple[int, int, int]:
    """The colour used for a low-confidence joint: mostly grey, a hint of its side colour."""
    return tuple(int(round(keep * c + (1 - keep) * g)) for c, g in zip(rgb, FADED_GREY))  # type: ignore[return-value]


def side_colour(side: str, confident: bool = True) -> tuple[int, int, int]:
    rgb = SIDE_COLOURS.get(side, CENTER_RGB)
    return rgb if confident else faded(rgb)


@dataclass
class OverlayOptions:
    """What to burn into each frame."""

    skeleton: bool = True
    angles: bool = True            # angle values next to the joints
    timestamp: bool = True
    plot: bool = False             # small angle plot with a moving cursor
    plot_angles: tuple[str, ...] = ()  # angles in the plot; empty = left and right knee (or the first two)
    label_angles: tuple[str, ...] | None = None  # angles written at the joints (the window's shown ones);
    #                                              None = the joint angles of the usual families (CLI)
    title: str | None = None
    min_score: float = DEFAULT_MIN_SCORE  # joints below this are drawn faded and their angles hidden


@dataclass(frozen=True)
class AngleLabel:
    """Where an angle's value is written: at the mean position of `anchor` keypoints, in `side`'s colour."""

    name: str
    anchor: tuple[int, ...]
    side: str


def angle_anchor(angle) -> tuple[str, ...]:
    """The keypoints whose mean position carries an angle's value (anything with .kind and .keypoints): the
    joint its two segments share (the middle of three points; for a segment pair such as the ankle, knee-ankle
    against heel-toes, the second point), else the middle of all its points; a virtual centre (hip_center)
    stands for the keypoints it averages."""
    from posestudio.core.kinematics import VIRTUAL_POINTS

    kps = tuple(angle.keypoints)
    if angle.kind == "three_point":
        kps = kps[1:2]
    else:
        shared = tuple(k for k in dict.fromkeys(kps) if kps.count(k) > 1)
        if shared:
            return shared
        if angle.kind == "segment_pair":
            kps = kps[1:2]
    return tuple(part for k in kps for part in VIRTUAL_POINTS.get(k, (k,)))


def angle_labels_for(keypoint_set, angle_defs: Iterable) -> list[AngleLabel]:
    """Labels for angle definitions (anything with .name, .kind, .keypoints), at their angle_anchor; angles
    whose anchor the set lacks are skipped. The colour follows the name's side, as in the window."""
    labels = []
    for angle in angle_defs:
        try:
            anchor = tuple(keypoint_set.index(n) for n in angle_anchor(angle))
        except (KeyError, ValueError):
            continue
        labels.append(AngleLabel(angle.name, anchor, side_of(angle.name)))
    return labels


class _LabelSprites:
    """Angle values drawn with a real font (FreeType through Pillow: cv2's Hershey fonts have no degree sign)
    as small RGBA boxes, each text and colour rendered once and reused on every frame."""

    def __init__(self, px: int):
        from PIL import ImageFont

        self.font = ImageFont.load_default(size=px)  # Pillow's own FreeType font: no system font needed
        self.pad = max(2, px // 6)
        _, self.top, _, self.bottom = self.font.getbbox("0123456789°")
        self.cache: dict[tuple[str, tuple[int, int, int]], np.ndarray] = {}

    def get(self, text: str, rgb: tuple[int, int, int]) -> np.ndarray:
        key = (text, tuple(rgb))
        sprite = self.cache.get(key)
        if sprite is None:
            from PIL import Image, ImageDraw

            left, _, right, _ = self.font.getbbox(text)
            size = (right - left + 2 * self.pad, self.bottom - self.top + 2 * self.pad)
            image = Image.new("RGBA", size, (0, 0, 0, 170))  # the window's dark box behind the value
            ImageDraw.Draw(image).text((self.pad - left, self.pad - self.top), text, font=self.font,
                                       fill=tuple(rgb) + (255,))
            sprite = self.cache[key] = np.asarray(image)
        return sprite


def _blit(frame: np.ndarray, sprite: np.ndarray, left: int, top: int) -> None:
    """Alpha-blend an RGBA sprite onto an RGB frame at (left, top), clipped to the frame."""
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = max(0, left), max(0, top), min(w, left + sprite.shape[1]), min(h, top + sprite.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    part = sprite[y0 - top:y1 - top, x0 - left:x1 - left]
    alpha = part[..., 3:4].astype(np.float32) / 255.0
    roi = frame[y0:y1, x0:x1]
    roi[:] = (roi * (1.0 - alpha) + part[..., :3] * alpha).astype(np.uint8)


class _PlotPanel:
    """A small plot of a few angle curves over the exported range; the cursor is drawn per frame."""

    def __init__(self, width: int, height: int, times: np.ndarray, series: dict[str, np.ndarray], font_scale: float,
                 thickness: int):
        self.w, self.h = width, height
        self.times = np.asarray(times, dtype=np.float64)
        self.t0 = float(self.times[0]) if len(self.times) else 0.0
        span = float(self.times[-1] - self.t0) if len(self.times) > 1 else 1.0
        self.span = span if span > 0 else 1.0
        self.font_scale = font_scale * 0.8
        self.thickness = thickness
        self.pad = max(4, int(round(height * 0.08)))
        th = max(1, thickness // 2)
        self.line_h = int(cv2.getTextSize("Ag", _FONT, self.font_scale, th)[0][1] * 1.6)
        # curves start below the legend (one line per curve in the top-right corner) so it stays readable
        # the legend: two names a line (a left/right pair side by side), so four curves keep most of the height
        self.legend_rows = [list(series)[i:i + 2] for i in range(0, len(series), 2)]
        self.top = min(height // 2, 3 + self.line_h * len(self.legend_rows) + self.pad // 2)
        values = [v for v in series.values() if np.isfinite(v).any()]
        lo = float(min(np.nanmin(v) for v in values)) if values else 0.0
        hi = float(max(np.nanmax(v) for v in values)) if values else 180.0
        if hi - lo < 10.0:
            mid = (hi + lo) / 2
            lo, hi = mid - 5.0, mid + 5.0
        self.lo, self.hi = lo, hi
        self.series = series
        self.colours = {name: angle_colour(name) for name in series}  # the window's colour rule
        self.image = np.zeros((height, width, 3), np.uint8)
        self.image[:] = (24, 24, 24)
        self._draw_curves()

    def x_of(self, t: float) -> float:
        return self.pad + (t - self.t0) / self.span * (self.w - 2 * self.pad)

    def y_of(self, v: np.ndarray | float):
        return self.h - self.pad - (np.asarray(v) - self.lo) / (self.hi - self.lo) * (self.h - self.pad - self.top)

    def _draw_curves(self) -> None:
        img = self.image
        cv2.rectangle(img, (0, 0), (self.w - 1, self.h - 1), (90, 90, 90), 1, cv2.LINE_AA)
        xs = self.x_of(self.times)
        for name, values in self.series.items():
            ys = self.y_of(values)
            ok = np.isfinite(ys)
            # break the polyline at gaps so missing frames are not bridged
            runs = np.split(np.arange(len(ys)), np.where(np.diff(ok.astype(np.int8)) != 0)[0] + 1)
            for run in runs:
                if len(run) < 2 or not ok[run[0]]:
                    continue
                pts = np.round(np.stack([xs[run], ys[run]], axis=1) * _ONE).astype(np.int32)
                cv2.polylines(img, [pts], False, self.colours[name], self.thickness, cv2.LINE_AA, _SHIFT)
        fs, th = self.font_scale, max(1, self.thickness // 2)
        line_h = self.line_h
        cv2.putText(img, f"{self.hi:.0f}", (3, int(self.top) + line_h // 2), _FONT, fs, (170, 170, 170), th, cv2.LINE_AA)
        cv2.putText(img, f"{self.lo:.0f}", (3, self.h - 5), _FONT, fs, (170, 170, 170), th, cv2.LINE_AA)
        y = 3 + line_h
        gap = cv2.getTextSize("  ", _FONT, fs, th)[0][0]
        for row in self.legend_rows:
            x = self.w - 6
            for name in reversed(row):  # right-aligned: the second name ends at the panel's edge
                text = angle_display_name(name)  # "Left knee", as the window names it
                (tw, _), _ = cv2.getTextSize(text, _FONT, fs, th)
                x -= tw
                cv2.putText(img, text, (x, y), _FONT, fs, self.colours[name], th, cv2.LINE_AA)
                x -= gap
            y += line_h

    def draw(self, frame: np.ndarray, x0: int, y0: int, t: float, frame_pos: int | None) -> None:
        roi = frame[y0:y0 + self.h, x0:x0 + self.w]
        cv2.addWeighted(self.image, 0.8, roi, 0.2, 0.0, dst=roi)  # a little of the picture shows through
        x = int(round((x0 + self.x_of(t)) * _ONE))
        cv2.line(frame, (x, y0 * _ONE), (x, (y0 + self.h - 1) * _ONE), (255, 255, 255), 1, cv2.LINE_AA, _SHIFT)
        if frame_pos is None:
            return
        for name, values in self.series.items():
            v = values[frame_pos] if 0 <= frame_pos < len(values) else np.nan
            if np.isfinite(v):
                centre = (x, int(round((y0 + float(self.y_of(v))) * _ONE)))
                cv2.circle(frame, centre, (self.thickness + 2) * _ONE, self.colours[name], -1, cv2.LINE_AA, _SHIFT)


@dataclass
class FrameRenderer:
    """Draws overlays on frames of one size. Build once per export; call `draw` per frame.

    keypoint_set: has .edges and .side(i) (posestudio.core.models.skeleton.KeypointSet).
    labels: which angles are written at the joints; their values come per frame in the same order.
    plot_times / plot_series: the exported range's timestamps and the curves for the small plot.
    """

    width: int
    height: int
    keypoint_set: object
    options: OverlayOptions = field(default_factory=OverlayOptions)
    labels: Sequence[AngleLabel] = ()
    plot_times: np.ndarray | None = None
    plot_series: dict[str, np.ndarray] | None = None

    def __post_init__(self) -> None:
        ks = self.keypoint_set
        short = min(self.width, self.height)
        # widths scale with the picture: ~2 px lines at 480p, ~4 px at 1080p
        self.line = max(1, int(round(short / 240)))
        self.radius = max(2, int(round(short / 160)))
        self.font_scale = max(0.42, short / 750)
        self.text_th = max(1, int(round(short / 500)))
        self.edges = np.asarray(ks.edges, dtype=np.int32).reshape(-1, 2)
        n = len(ks.names)
        sides = [ks.side(i) for i in range(n)]
        self.joint_rgb = [side_colour(s) for s in sides]
        self.joint_faded = [side_colour(s, False) for s in sides]
        # an edge takes the side of its endpoints when both agree, else the centre colour (e.g. hips line)
        edge_sides = [sides[a] if sides[a] == sides[b] else "center" for a, b in self.edges]
        self.edge_rgb = [side_colour(s) for s in edge_sides]
        self.edge_faded = [side_colour(s, False) for s in edge_sides]
        self.sure_groups = self._groups(self.edge_rgb)
        self.faded_groups = self._groups(self.edge_faded)
        self.panel = None
        if self.options.plot and self.plot_times is not None and self.plot_series:
            pw = max(120, int(self.width * 0.32))
            ph = max(60, int(self.height * 0.22))
            self.panel = _PlotPanel(pw, ph, self.plot_times, self.plot_series, self.font_scale, self.line)
        self.margin = max(4, int(round(short * 0.02)))
        self.sprites = _LabelSprites(max(11, int(round(self.font_scale * 24))))

    @staticmethod
    def _groups(colours) -> list[tuple[tuple[int, int, int], np.ndarray]]:
        """Edge indices grouped by colour."""
        out: dict = {}
        for e, c in enumerate(colours):
            out.setdefault(c, []).append(e)
        return [(c, np.asarray(idx, dtype=np.intp)) for c, idx in out.items()]

    # -- pieces --------------------------------------------------------------------------------------
    def _text(self, frame, text: str, org: tuple[int, int], rgb, scale: float | None = None) -> None:
        scale = self.font_scale if scale is None else scale
        th = self.text_th
        cv2.putText(frame, text, org, _FONT, scale, OUTLINE_RGB, th + 2 * max(1, th), cv2.LINE_AA)
        cv2.putText(frame, text, org, _FONT, scale, rgb, th, cv2.LINE_AA)

    def _boxed_text(self, frame, text: str, org: tuple[int, int], scale: float) -> None:
        th = self.text_th
        (tw, tht), base = cv2.getTextSize(text, _FONT, scale, th)
        x, y = org
        p = max(2, tht // 3)
        x0, y0, x1, y1 = max(0, x - p), max(0, y - tht - p), min(self.width, x + tw + p), min(self.height, y + base + p)
        roi = frame[y0:y1, x0:x1]
        roi //= 3  # darken in place: cheap and keeps the picture faintly visible
        cv2.putText(frame, text, (x, y), _FONT, scale, (255, 255, 255), th, cv2.LINE_AA)

    def _skeleton(self, frame, kps: np.ndarray) -> None:
        min_score = self.options.min_score
        xy = kps[:, :2]
        finite = np.isfinite(xy).all(axis=1) & np.isfinite(kps[:, 2])
        sure = finite & (kps[:, 2] >= min_score)
        pts = np.zeros((len(kps), 2), np.int32)
        pts[finite] = np.round(xy[finite] * _ONE).astype(np.int32)
        a, b = self.edges[:, 0], self.edges[:, 1]
        drawn = finite[a] & finite[b]
        both = drawn & sure[a] & sure[b]
        segs = np.stack([pts[a], pts[b]], axis=1)  # (E, 2, 2): one 2-point polyline per edge
        line, aa = self.line, cv2.LINE_AA
        # one polylines call per colour instead of one line call per edge; faded parts first so confident
        # ones are drawn on top, and all outlines before the colours so no outline cuts across a limb
        for colour, idx in self.faded_groups:
            sel = idx[drawn[idx] & ~both[idx]]
            if len(sel):
                cv2.polylines(frame, list(segs[sel]), False, colour, max(1, line // 2), aa, _SHIFT)
        if both.any():
            cv2.polylines(frame, list(segs[both]), False, OUTLINE_RGB, line + 2, aa, _SHIFT)
            for colour, idx in self.sure_groups:
                sel = idx[both[idx]]
                if len(sel):
                    cv2.polylines(frame, list(segs[sel]), False, colour, line, aa, _SHIFT)
        r = self.radius * _ONE
        for i in np.flatnonzero(finite):
            c = (int(pts[i, 0]), int(pts[i, 1]))
            if sure[i]:
                cv2.circle(frame, c, r + _ONE, OUTLINE_RGB, -1, cv2.LINE_AA, _SHIFT)
                cv2.circle(frame, c, r, self.joint_rgb[i], -1, cv2.LINE_AA, _SHIFT)
            else:
                cv2.circle(frame, c, max(_ONE, r // 2), self.joint_faded[i], -1, cv2.LINE_AA, _SHIFT)

    def _hand_rings(self, frame, kps: np.ndarray, flags: np.ndarray) -> None:
        """A ring round each point the user placed by hand (as the window draws them)."""
        r = (2 * self.radius + 1) * _ONE
        for i in np.flatnonzero((flags > 0) & np.isfinite(kps[:, 0]) & np.isfinite(kps[:, 1])):
            c = (int(round(kps[i, 0] * _ONE)), int(round(kps[i, 1] * _ONE)))
            cv2.circle(frame, c, r, OUTLINE_RGB, self.line + 2, cv2.LINE_AA, _SHIFT)
            cv2.circle(frame, c, r, HAND_RGB, self.line, cv2.LINE_AA, _SHIFT)

    def _limbs(self, kps: np.ndarray, min_score: float) -> list[tuple[float, float, float, float]]:
        return confident_segments(kps, self.edges, min_score)

    def _angle_labels(self, frame, kps: np.ndarray, values: Sequence[float]) -> None:
        min_score = self.options.min_score
        centre_x = body_centre_x(kps, min_score)
        found = []
        for label, value in zip(self.labels, values):
            if not np.isfinite(value):
                continue
            place = angle_label_place(kps, label.anchor, centre_x, min_score)
            if place is not None:
                found.append((place, self.sprites.get(angle_value_text(value), side_colour(label.side))))
        corners = place_label_boxes([(x, y, out, s.shape[1], s.shape[0]) for (x, y, out), s in found],
                                    self._limbs(kps, min_score))
        for (_, sprite), (left, top) in zip(found, corners):
            _blit(frame, sprite, int(round(left)), int(round(top)))

    # -- public ----------------------------------------------------------------------------------------
    def draw(self, frame: np.ndarray, *, time_s: float, people: np.ndarray | None = None,
             angle_values: np.ndarray | None = None, plot_pos: int | None = None,
             manual: np.ndarray | None = None) -> np.ndarray:
        """Draw on `frame` (RGB uint8, this renderer's size) in place and return it.

        people: (P, K, 3) x, y, score in this frame's pixels (NaN where absent).
        angle_values: (P, len(labels)) degrees, NaN where undefined.
        plot_pos: index of this frame within plot_times (for the cursor's value dots).
        manual: (P, K) flags, non-zero where the user's hand placed the point (a ring marks it).
        """
        opts = self.options
        if people is not None:
            for p, kps in enumerate(people):
                if not np.isfinite(kps[:, :2]).any():
                    continue
                if opts.skeleton:
                    self._skeleton(frame, kps)
                    if manual is not None and manual[p].any():
                        self._hand_rings(frame, kps, manual[p])
                if opts.angles and angle_values is not None and len(self.labels):
                    self._angle_labels(frame, kps, angle_values[p])
        m = self.margin
        if opts.title:
            scale = self.font_scale * 1.2
            (_, th), _ = cv2.getTextSize(opts.title, _FONT, scale, self.text_th)
            self._boxed_text(frame, opts.title, (m, m + th), scale)
        if opts.timestamp:
            self._boxed_text(frame, format_time(time_s), (m, self.height - m), self.font_scale)
        if self.panel is not None:
            self.panel.draw(frame, self.width - self.panel.w - m, self.height - self.panel.h - m, time_s, plot_pos)
        return frame
