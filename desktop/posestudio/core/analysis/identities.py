"""Person identities across frames for multi-person models (single-person ones: single_person.py; the user's
fixes, swap and merge: id_edits.py).

Pure numpy/scipy so the analysis can call it per frame. Each frame's people are matched to the known tracks
with the Hungarian algorithm on a cost mixing keypoint distance (normalised by body size, against positions
predicted from each track's velocity, which carries people through crossings), box overlap and, when the
caller gives it, a colour histogram of the torso. Plausible motion and size gate the matches. A person who
vanishes behind another is predicted to stay beside them and is remembered longer than one who walked out
of the picture; a detection gets a new id only once seen in two frames running, so flickering false
detections get none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posestudio.core.analysis.body import box_centre, box_from_keypoints, box_size, normalised, valid_points
from posestudio.core.models.geometry import box_iou
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

_IMPOSSIBLE = 1e6


@dataclass(eq=False)
class _Track:
    id: int | None              # None while tentative (not yet seen often enough to be somebody)
    xy: np.ndarray              # (K, 2) last known positions (NaN where never seen)
    box: np.ndarray             # (4,)
    time: float                 # when last matched
    hits: int = 1
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # px/s of the box centre
    hidden_by: "_Track | None" = None   # the person in front when this one vanished
    offset: np.ndarray | None = None    # own centre minus the occluder's, when it vanished
    at_border: bool = False             # vanished at the edge of the picture (walked out)
    appearance: np.ndarray | None = None
    alive: bool = True

    def shift(self, now: float, horizon: float) -> np.ndarray:
        """Where the body centre has moved since last seen: with the person hiding it, else at constant
        velocity for at most `horizon` seconds (people stop and turn; a long straight guess drifts off)."""
        occluder = self.hidden_by
        if occluder is not None and occluder.alive and occluder.hidden_by is None:
            return box_centre(occluder.box) + occluder.shift(now, horizon) + self.offset - box_centre(self.box)
        return self.velocity * min(now - self.time, horizon)

    def predict(self, now: float, horizon: float) -> tuple[np.ndarray, np.ndarray]:
        s = self.shift(now, horizon)
        return self.xy + s, self.box + np.concatenate([s, s])


def _coverage(inner: np.ndarray, outer: np.ndarray) -> float:
    """Share of box `inner` covered by box `outer`."""
    w = min(inner[2], outer[2]) - max(inner[0], outer[0])
    h = min(inner[3], outer[3]) - max(inner[1], outer[1])
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return float(w * h / area) if w > 0 and h > 0 and area > 0 else 0.0


class PersonTracker:
    """Incremental identities: call update() once per frame in video order; reset() after a seek.

    A person gets an id once seen in `min_hits` frames running (a one-frame false detection gets none: -1),
    except in the first frame, where everyone gets one at once. A person who vanishes behind another is
    predicted to stay with them and is remembered for `max_hidden_s`; one who vanishes elsewhere inside the
    picture (missed by the detector) also for `max_hidden_s`, one who left at its edge for `max_lost_s`.
    The picture's extent is `frame_size` (width, height) when given, else the extent of everything seen.

    fps is used only when update() gets no timestamp. max_distance is the largest keypoint distance (in
    body sizes) at which a person can be the same track one frame later; it grows by `max_speed` body sizes
    per second lost, up to `max_jump`; body sizes (square root of box area) of a match differ by less than
    `max_size_ratio`.
    """

    def __init__(self, fps: float = 30.0, max_lost_s: float = 1.0, min_score: float = DEFAULT_MIN_SCORE,
                 max_distance: float = 0.35, keypoint_weight: float = 0.7, prediction_horizon_s: float = 0.5,
                 max_hidden_s: float = 3.0, max_speed: float = 1.5, max_jump: float = 2.0, min_hits: int = 2,
                 max_size_ratio: float = 1.75, appearance_weight: float = 1.0,
                 frame_size: tuple[float, float] | None = None):
        self.fps = fps if fps and fps > 0 else 30.0
        self.max_lost_s = max_lost_s
        self.max_hidden_s = max(max_hidden_s, max_lost_s)
        self.min_score = min_score
        self.max_distance = max_distance
        self.max_speed = max_speed
        self.max_jump = max_jump
        self.max_size_ratio = max_size_ratio
        self.keypoint_weight = keypoint_weight
        self.prediction_horizon_s = prediction_horizon_s
        self.min_hits = max(1, int(min_hits))
        self.appearance_weight = appearance_weight
        self.frame_size = frame_size
        self.reset()

    def reset(self) -> None:
        self._tracks: list[_Track] = []
        self._next_id = 0
        self._frame = -1
        self._last_time: float | None = None
        self._extent: np.ndarray | None = None if self.frame_size is None else \
            np.array([0.0, 0.0, float(self.frame_size[0]), float(self.frame_size[1])])

    @property
    def active_ids(self) -> list[int]:
        return [t.id for t in self._tracks if t.id is not None]

    def _memory(self, track: _Track) -> float:
        if track.id is None:
            return 0.1  # a tentative track must be seen again almost at once
        if track.hidden_by is None and (track.at_border or self._at_edge(track.box, track.velocity)):
            return self.max_lost_s
        return self.max_hidden_s

    def _at_edge(self, box: np.ndarray, velocity: np.ndarray) -> bool:
        """Whether a person with this box has left the picture. Without frame_size its extent is a guess
        (the outermost people seen define it), so there they must also be moving out."""
        e = self._extent
        if e is None:
            return False
        margin = 0.1 * (box[2] - box[0]) + 2.0
        edges = np.array([box[0] <= e[0] + margin, box[1] <= e[1] + margin,
                          box[2] >= e[2] - margin, box[3] >= e[3] - margin])
        if self.frame_size is None:
            outward = 0.2 * box_size(box)  # px/s
            edges &= np.array([velocity[0] < -outward, velocity[1] < -outward,
                               velocity[0] > outward, velocity[1] > outward])
        return bool(edges.any())

    def _cost(self, track: _Track, person, now: float) -> float:
        xy, ok, box, look = person
        lost = now - track.time
        pred_xy, pred_box = track.predict(now, self.prediction_horizon_s)
        scale = max(pred_box[2] - pred_box[0], pred_box[3] - pred_box[1], box[2] - box[0], box[3] - box[1], 1.0)
        both = ok & np.isfinite(pred_xy).all(axis=1)
        if both.sum() >= 2:
            dist = float(np.linalg.norm(pred_xy[both] - xy[both], axis=1).mean() / scale)
        else:
            dist = float(np.linalg.norm(box_centre(pred_box) - box_centre(box)) / scale)
        # an occluded person reappears beside the one in front: their motion is theirs, not a guess
        speed = self.max_speed if track.hidden_by is None else 0.5 * self.max_speed
        if dist > min(self.max_distance + speed * lost, self.max_jump):
            return _IMPOSSIBLE
        size = box_size(pred_box) / max(box_size(box), 1e-6)
        if not 1 / self.max_size_ratio <= size <= self.max_size_ratio:
            return _IMPOSSIBLE  # nobody grows or shrinks that much between two sightings
        cost = self.keypoint_weight * dist + (1 - self.keypoint_weight) * (1 - box_iou(pred_box, box))
        if look is not None and track.appearance is not None:
            cost += self.appearance_weight * (1.0 - float(np.sqrt(look * track.appearance).sum()))
        # prefer tracks seen just now, less so for one known to be hidden behind someone
        return cost + (0.1 if track.hidden_by is not None else 0.2) * min(lost, 2.0)

    def _people(self, keypoints_list, boxes, appearance):
        people = []
        for j, kp in enumerate(keypoints_list):
            kp = np.asarray(kp, dtype=np.float64)
            box = None if boxes is None or boxes[j] is None else np.asarray(boxes[j], dtype=np.float64)
            if box is None or not np.isfinite(box).all():
                box = box_from_keypoints(kp, self.min_score)
            ok = valid_points(kp, self.min_score)
            look = None if appearance is None or appearance[j] is None else normalised(appearance[j])
            people.append(None if box is None else (np.where(ok[:, None], kp[:, :2], np.nan), ok, box, look))
        return people

    def _match(self, tracks: list[_Track], people: list, present: list[int], now: float) -> list[tuple]:
        if not tracks or not present:
            return []
        cost = np.array([[self._cost(t, people[j], now) for j in present] for t in tracks])
        from scipy.optimize import linear_sum_assignment  # lazily: keeps start-up fast

        rows, cols = linear_sum_assignment(cost)
        return [(tracks[r], present[c]) for r, c in zip(rows, cols) if cost[r, c] < _IMPOSSIBLE]

    def update(self, keypoints_list, boxes=None, timestamp: float | None = None, appearance=None) -> list[int]:
        """Ids (one per person given, same order) for this frame's people; -1 for an empty entry and for
        someone not yet seen in `min_hits` frames.

        boxes: one (x0, y0, x1, y1) or None per person (None: taken from the keypoints). A number given in
        place of boxes is taken as the timestamp, so update(keypoints, t) works too. appearance: optional,
        one non-negative feature vector (e.g. `torso_colours`) or None per person; it helps tell apart
        people who cross or reappear.
        """
        if boxes is not None and np.ndim(boxes) == 0:
            boxes, timestamp = None, float(boxes)
        self._frame += 1
        now = float(timestamp) if timestamp is not None else self._frame / self.fps
        people = self._people(keypoints_list, boxes, appearance)
        present = [j for j, p in enumerate(people) if p is not None]
        self._grow_extent([people[j][2] for j in present])
        for t in self._tracks:
            if now - t.time > self._memory(t) + 1e-9:
                t.alive = False
        self._tracks = [t for t in self._tracks if t.alive]

        ids = [-1] * len(people)
        confirmed = [t for t in self._tracks if t.id is not None]
        pairs = self._match(confirmed, people, present, now)
        taken = {j for _, j in pairs}
        tentative = [t for t in self._tracks if t.id is None]
        pairs += self._match(tentative, people, [j for j in present if j not in taken], now)
        taken = {j for _, j in pairs}
        for track, j in pairs:
            self._absorb(track, people[j], now)
            if track.id is None and track.hits >= self.min_hits:
                track.id = self._new_id()
            ids[j] = -1 if track.id is None else track.id
        for j in present:
            if j not in taken:
                xy, _, box, look = people[j]
                track = _Track(None, xy.copy(), box.copy(), now, appearance=look)
                if self._frame == 0 or self.min_hits <= 1:
                    track.id = ids[j] = self._new_id()
                self._tracks.append(track)
        self._note_vanished([t for t in self._tracks if t.time == now and t.id is not None], now)
        self._last_time = now
        return ids

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _grow_extent(self, boxes: list[np.ndarray]) -> None:
        if self.frame_size is not None or not boxes:
            return
        b = np.array(boxes)
        seen = np.concatenate([b[:, :2].min(axis=0), b[:, 2:].max(axis=0)])
        if self._extent is None:
            self._extent = seen
        else:
            self._extent = np.concatenate([np.minimum(self._extent[:2], seen[:2]),
                                           np.maximum(self._extent[2:], seen[2:])])

    def _note_vanished(self, visible: list[_Track], now: float) -> None:
        """For people just lost: who (if anyone) hides them, and whether they were at the picture's edge."""
        for t in self._tracks:
            if t.time == now or t.id is None or t.hidden_by is not None or t.at_border:
                continue
            _, box = t.predict(now, self.prediction_horizon_s)
            cover = [(_coverage(box, v.box), v) for v in visible]
            best = max(cover, key=lambda c: c[0], default=(0.0, None))
            if best[0] >= 0.3:
                t.hidden_by, t.offset = best[1], box_centre(box) - box_centre(best[1].box)
                continue
            t.at_border = self._at_edge(box, t.velocity)

    def _absorb(self, track: _Track, person, now: float) -> None:
        xy, ok, box, look = person
        dt = now - track.time
        if 0 < dt <= 0.25:  # over longer gaps the displacement says little about the speed
            v = (box_centre(box) - box_centre(track.box)) / dt
            limit = 3.0 * max(box[3] - box[1], 1.0)  # body sizes per second: beyond this it is jitter
            norm = float(np.linalg.norm(v))
            if norm > limit:
                v *= limit / norm
            track.velocity = 0.5 * v + 0.5 * track.velocity
        elif dt > 0.25:
            track.velocity = np.zeros(2)
        # keypoints not seen now keep their last position moved along with the person
        s = box_centre(box) - box_centre(track.box)
        track.xy = np.where(ok[:, None], xy, track.xy + s)
        track.box = box.copy()
        track.time = now
        track.hits += 1
        track.hidden_by, track.offset, track.at_border = None, None, False
        if look is not None:
            track.appearance = look if track.appearance is None else normalised(0.8 * track.appearance + 0.2 * look)


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
