"""Person identities across frames, and the hand fixes (swap, merge) a user applies to them.

Pure numpy/scipy so the analysis can call it per frame. Each frame's people are matched to the known tracks
with the Hungarian algorithm on a cost mixing keypoint distance (normalised by body size, against positions
predicted from each track's velocity, which carries people through crossings) and box overlap. Tracks not
seen for up to `max_lost_s` stay matchable, so short occlusions keep their id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from posestudio.core.errors import PoseStudioError

_IMPOSSIBLE = 1e6


class IdEditError(PoseStudioError):
    """A manual identity fix cannot be applied."""


def box_from_keypoints(keypoints: np.ndarray, min_score: float = 0.3, margin: float = 0.1) -> np.ndarray | None:
    """(x0, y0, x1, y1) around the confident keypoints, widened by `margin` of its size; None if under 2."""
    kp = np.asarray(keypoints, dtype=np.float64)
    ok = _valid(kp, min_score)
    if ok.sum() < 2:
        return None
    xy = kp[ok, :2]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = margin * (hi - lo).max()
    return np.concatenate([lo - pad, hi + pad])


def _valid(kp: np.ndarray, min_score: float) -> np.ndarray:
    ok = np.isfinite(kp[:, :2]).all(axis=1)
    if kp.shape[1] > 2:
        with np.errstate(invalid="ignore"):
            ok &= kp[:, 2] >= min_score
    return ok


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


@dataclass
class _Track:
    id: int
    xy: np.ndarray          # (K, 2) last known positions (NaN where never seen)
    box: np.ndarray         # (4,)
    time: float             # when last matched
    velocity: np.ndarray = field(default=None)  # (K, 2) px/s

    def predict(self, now: float, horizon: float) -> tuple[np.ndarray, np.ndarray]:
        dt = min(now - self.time, horizon)
        if self.velocity is None:
            return self.xy, self.box
        xy = self.xy + np.nan_to_num(self.velocity) * dt
        shift = np.nanmean(self.velocity, axis=0) if np.isfinite(self.velocity).any() else np.zeros(2)
        shift = np.nan_to_num(shift) * dt
        return xy, self.box + np.concatenate([shift, shift])


class PersonTracker:
    """Incremental identities: call update() once per frame in video order; reset() after a seek.

    fps is used only when update() gets no timestamp. max_distance is the largest keypoint distance (in
    body heights, growing with time lost) at which a person can still be the same track.
    """

    def __init__(self, fps: float = 30.0, max_lost_s: float = 1.0, min_score: float = 0.3,
                 max_distance: float = 0.6, keypoint_weight: float = 0.7, prediction_horizon_s: float = 0.5):
        self.fps = fps if fps and fps > 0 else 30.0
        self.max_lost_s = max_lost_s
        self.min_score = min_score
        self.max_distance = max_distance
        self.keypoint_weight = keypoint_weight
        self.prediction_horizon_s = prediction_horizon_s
        self.reset()

    def reset(self) -> None:
        self._tracks: list[_Track] = []
        self._next_id = 0
        self._frame = -1
        self._last_time: float | None = None

    @property
    def active_ids(self) -> list[int]:
        return [t.id for t in self._tracks]

    def _cost(self, track: _Track, xy: np.ndarray, ok: np.ndarray, box: np.ndarray, now: float) -> float:
        lost = now - track.time
        pred_xy, pred_box = track.predict(now, self.prediction_horizon_s)
        scale = max(pred_box[2] - pred_box[0], pred_box[3] - pred_box[1], box[2] - box[0], box[3] - box[1], 1.0)
        both = ok & np.isfinite(pred_xy).all(axis=1)
        if both.sum() >= 2:
            dist = float(np.linalg.norm(pred_xy[both] - xy[both], axis=1).mean() / scale)
        else:
            centre = lambda b: np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])  # noqa: E731
            dist = float(np.linalg.norm(centre(pred_box) - centre(box)) / scale)
        if dist > self.max_distance * (1.0 + 2.0 * lost):
            return _IMPOSSIBLE
        iou = box_iou(pred_box, box)
        w = self.keypoint_weight
        return w * dist + (1 - w) * (1 - iou) + 0.2 * lost  # prefer tracks seen just now

    def update(self, keypoints_list, boxes=None, timestamp: float | None = None) -> list[int]:
        """Ids (one per person given, same order) for this frame's people; -1 for an empty entry.

        boxes: one (x0, y0, x1, y1) or None per person (None: taken from the keypoints). A number given in
        place of boxes is taken as the timestamp, so update(keypoints, t) works too.
        """
        if boxes is not None and np.ndim(boxes) == 0:
            boxes, timestamp = None, float(boxes)
        self._frame += 1
        now = float(timestamp) if timestamp is not None else self._frame / self.fps
        people = []
        for j, kp in enumerate(keypoints_list):
            kp = np.asarray(kp, dtype=np.float64)
            box = None if boxes is None or boxes[j] is None else np.asarray(boxes[j], dtype=np.float64)
            if box is None or not np.isfinite(box).all():
                box = box_from_keypoints(kp, self.min_score)
            ok = _valid(kp, self.min_score)
            people.append(None if box is None else (np.where(ok[:, None], kp[:, :2], np.nan), ok, box))
        self._tracks = [t for t in self._tracks if now - t.time <= self.max_lost_s + 1e-9]
        ids = [-1] * len(people)
        present = [j for j, p in enumerate(people) if p is not None]
        matched: set[int] = set()
        if self._tracks and present:
            cost = np.array([[self._cost(t, *people[j], now) for j in present] for t in self._tracks])
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if cost[r, c] < _IMPOSSIBLE:
                    j = present[c]
                    self._absorb(self._tracks[r], *people[j], now)
                    ids[j] = self._tracks[r].id
                    matched.add(j)
        for j in present:
            if j not in matched:
                xy, ok, box = people[j]
                track = _Track(self._next_id, xy.copy(), box.copy(), now)
                self._next_id += 1
                self._tracks.append(track)
                ids[j] = track.id
        self._last_time = now
        return ids

    @staticmethod
    def _absorb(track: _Track, xy: np.ndarray, ok: np.ndarray, box: np.ndarray, now: float) -> None:
        dt = now - track.time
        if dt > 0:
            v = (xy - track.xy) / dt  # NaN where either side is unknown
            if track.velocity is None:
                track.velocity = v
            else:
                blend = 0.5 * v + 0.5 * track.velocity
                track.velocity = np.where(np.isfinite(v), np.where(np.isfinite(track.velocity), blend, v),
                                          track.velocity)
        # keypoints not seen now keep their last position moved along with the person
        pred, _ = track.predict(now, 0.5)
        track.xy = np.where(ok[:, None], xy, pred)
        track.box = box.copy()
        track.time = now


def assign_ids(keypoints: np.ndarray, boxes: np.ndarray | None = None, timestamps=None,
               **tracker_options) -> np.ndarray:
    """Track ids for a whole analysis: keypoints (F, P, K, 3) with NaN/low-score slots for absent people.

    Returns (F, P) int32 ids, -1 where a slot is empty.
    """
    kp = np.asarray(keypoints)
    tracker = PersonTracker(**tracker_options)
    out = np.full(kp.shape[:2], -1, dtype=np.int32)
    for f in range(kp.shape[0]):
        ts = None if timestamps is None else float(timestamps[f])
        out[f] = tracker.update(list(kp[f]), None if boxes is None else list(boxes[f]), ts)
    return out


def swap_ids(person_ids: np.ndarray, a: int, b: int, from_frame: int = 0, to_frame: int | None = None) -> np.ndarray:
    """Copy of the (F, P) id array with ids a and b exchanged in frames [from_frame, to_frame)."""
    ids = np.array(person_ids, copy=True)
    part = ids[from_frame:to_frame]
    is_a, is_b = part == a, part == b
    part[is_a], part[is_b] = b, a
    return ids


def merge_ids(person_ids: np.ndarray, keep: int, drop: int) -> np.ndarray:
    """Copy of the (F, P) id array where every `drop` becomes `keep` (one person the tracker split in two)."""
    ids = np.array(person_ids, copy=True)
    together = np.flatnonzero(((ids == keep).any(axis=1)) & ((ids == drop).any(axis=1)))
    if together.size:
        raise IdEditError(f"Persons {keep} and {drop} are both in frame {int(together[0])}, so they cannot be "
                          f"the same person; swap their ids from that frame instead.")
    ids[ids == drop] = keep
    return ids


def person_keypoints(keypoints: np.ndarray, person_ids: np.ndarray, person_id: int) -> np.ndarray:
    """(F, K, C) track of one person from (F, P, K, C) results; NaN in frames where they are absent."""
    kp = np.asarray(keypoints)
    out = np.full((kp.shape[0],) + kp.shape[2:], np.nan, dtype=np.float64)
    frames, slots = np.nonzero(np.asarray(person_ids) == person_id)
    out[frames] = kp[frames, slots]
    return out


def person_at(keypoints: np.ndarray, x: float, y: float, min_score: float = 0.3) -> int | None:
    """Slot index of the person under the point (x, y) in one frame's (P, K, C) keypoints, or None.

    Inside a person's box counts; among several (people overlapping), the one with a keypoint nearest wins.
    """
    best, best_d = None, np.inf
    for p, kp in enumerate(np.asarray(keypoints, dtype=np.float64)):
        box = box_from_keypoints(kp, min_score, margin=0.15)
        if box is None or not (box[0] <= x <= box[2] and box[1] <= y <= box[3]):
            continue
        ok = _valid(kp, min_score)
        d = float(np.hypot(kp[ok, 0] - x, kp[ok, 1] - y).min())
        if d < best_d:
            best, best_d = p, d
    return best
