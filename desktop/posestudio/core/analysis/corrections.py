"""Keypoints corrected by hand: key frames per person and keypoint, carried over the frames around them.

A key is kept per detection (frame, slot, keypoint), as the left-out marks are, so it follows the person
through id swaps and merges. A "moved" key says where the keypoint really is in its frame; between two keys
of the same person and keypoint the difference to the model's position (the offset) is interpolated, so
the model's own movement stays, and past the outer keys it fades out over the key's reach (or is held to
the ends of a range the user picked). Frames where the model lost the point get the corrected positions
interpolated. A "hidden" key says the point is not visible in its frame. The model's keypoints are kept
(`AnalysisResult.model_keypoints`); `apply` gives a result whose `keypoints` carry the corrections and whose
`manual` says, per detection and keypoint, what the user's hand made (KEY, CARRIED or HIDDEN).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from posestudio.core.errors import PoseStudioError

MOVED, HIDDEN = 1, 2                # kinds of key
KEY, CARRIED, HIDDEN_FLAG = 1, 2, 3  # `manual` flags: a key frame, carried over from keys, not visible
DEFAULT_REACH = 10                  # frames a lone key carries over on each side (a third of a second at 30 fps)
# points that go where their wrist or ankle goes (a hand left on a railing when its wrist is dragged away
# would draw a long false line)
FOLLOWERS = {f"{side}_{joint}": tuple(f"{side}_{p}" for p in parts) for side in ("left", "right")
             for joint, parts in (("wrist", ("pinky", "index", "thumb")), ("ankle", ("heel", "foot_index")))}
_FIELDS = ("frame", "slot", "keypoint", "kind", "x", "y", "lo", "hi", "taper", "body")
_DTYPES = (np.int32, np.int32, np.int32, np.int8, np.float32, np.float32, np.int32, np.int32, bool, bool)
LEG_PARTS = ("hip", "knee", "ankle", "heel", "foot")


class CorrectionError(PoseStudioError):
    """A correction that cannot be made (one sentence for the user)."""


@dataclass(frozen=True)
class Corrections:
    """The keys, one row each: where (frame, slot, keypoint), what (kind, x, y) and how far it reaches:
    frames lo..hi, fading out towards them (taper) or held up to them (a range the user picked); `body`:
    the offset is taken from the body (the middle of the shoulders, or of the hips for leg points) instead
    of the model's own point, for stretches where the model's point wanders off."""

    frame: np.ndarray
    slot: np.ndarray
    keypoint: np.ndarray
    kind: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    taper: np.ndarray
    body: np.ndarray

    @classmethod
    def empty(cls) -> "Corrections":
        return cls(*(np.zeros(0, dtype=d) for d in _DTYPES))

    def __len__(self) -> int:
        return int(self.frame.size)

    def added(self, rows: list[tuple]) -> "Corrections":
        """A copy with `rows` (tuples in _FIELDS order); a new key replaces any key of the same detection
        and keypoint."""
        new = {(int(r[0]), int(r[1]), int(r[2])) for r in rows}
        keep = np.array([(f, s, k) not in new for f, s, k in
                         zip(self.frame.tolist(), self.slot.tolist(), self.keypoint.tolist())], dtype=bool)
        cols = [np.concatenate([getattr(self, n)[keep], np.array([r[i] for r in rows], dtype=d)])
                for i, (n, d) in enumerate(zip(_FIELDS, _DTYPES))]
        return Corrections(*cols)

    def without(self, drop: np.ndarray) -> "Corrections":
        return Corrections(*(getattr(self, n)[~drop] for n in _FIELDS))

    def of(self, person_ids: np.ndarray, person_id: int, keypoint: int | None = None) -> np.ndarray:
        """(N,) bool: the keys on `person_id` (and `keypoint`)."""
        hit = person_ids[self.frame, self.slot] == person_id if len(self) else np.zeros(0, dtype=bool)
        return hit if keypoint is None else hit & (self.keypoint == keypoint)

    def groups(self, person_ids: np.ndarray) -> set[tuple[int, int]]:
        """(person id, keypoint) pairs that have keys."""
        pids = person_ids[self.frame, self.slot]
        return {(int(p), int(k)) for p, k in zip(pids.tolist(), self.keypoint.tolist()) if p >= 0}

    def to_arrays(self) -> dict[str, np.ndarray]:
        """For the analysis file: corr_<field> arrays."""
        return {f"corr_{n}": getattr(self, n) for n in _FIELDS}

    @classmethod
    def from_arrays(cls, data) -> "Corrections | None":
        """Read back what to_arrays wrote; None when the file has no corrections (files from before them)."""
        names = getattr(data, "files", data)
        if "corr_frame" not in names:
            return None
        size = len(data["corr_frame"])
        return cls(*(np.asarray(data[f"corr_{n}"], dtype=d) if f"corr_{n}" in names else np.zeros(size, dtype=d)
                     for n, d in zip(_FIELDS, _DTYPES)))


# ----- the edits: each returns new Corrections (the result is untouched until `apply`) -----

def _slot_of(result, person_id: int, frame: int) -> int:
    if not 0 <= frame < result.frame_count:
        raise CorrectionError(f"Frame {frame} is not in this clip (frames 0-{result.frame_count - 1}).")
    slots = np.flatnonzero(result.person_ids[frame] == person_id)
    if slots.size == 0:
        raise CorrectionError(f"Person #{person_id} is not in frame {frame}; nothing was corrected.")
    return int(slots[0])


def keypoint_index(result, keypoint) -> int:
    """The index of a keypoint given by name or index; CorrectionError when this model has no such point."""
    names = list(result.keypoint_names)
    if isinstance(keypoint, str):
        if keypoint not in names:
            raise CorrectionError(f"The model {result.model_id} has no keypoint '{keypoint}'.")
        return names.index(keypoint)
    if not 0 <= int(keypoint) < len(names):
        raise CorrectionError(f"The model {result.model_id} has no keypoint number {keypoint}.")
    return int(keypoint)


def touched(result, keypoint: int) -> list[int]:
    """The keypoint and those that follow it (a wrist's hand points, an ankle's foot points)."""
    names = list(result.keypoint_names)
    return [keypoint] + [names.index(n) for n in FOLLOWERS.get(names[keypoint], ()) if n in names]


def current(result) -> Corrections:
    return result.corrections if result.corrections is not None else Corrections.empty()


def move(result, person_id: int, frame: int, keypoint, x: float, y: float, reach: int = DEFAULT_REACH,
         span: tuple[int, int] | None = None, body: bool = False) -> Corrections:
    """The result's corrections plus a key: `keypoint` of `person_id` is at (x, y) in `frame`. It reaches
    `reach` frames either side, fading out, or, with `span` (first, last), exactly over those frames.
    body: between keys the point follows the body (see Corrections), not the model's point."""
    k = keypoint_index(result, keypoint)
    slot = _slot_of(result, person_id, frame)
    if not (np.isfinite(x) and np.isfinite(y) and 0 <= x <= result.width and 0 <= y <= result.height):
        raise CorrectionError(f"({x:.0f}, {y:.0f}) is outside the picture ({result.width}x{result.height}); "
                              f"drop the keypoint on the picture.")
    if span is not None:
        lo, hi = max(0, int(span[0])), min(result.frame_count - 1, int(span[1]))
        if not lo <= frame <= hi:
            raise CorrectionError(f"Frame {frame} is outside the selected range (frames {lo}-{hi}); "
                                  f"go to a frame inside it, or clear the selection.")
        taper = False
    else:
        reach = max(0, int(reach))
        lo, hi, taper = frame - reach, frame + reach, True
    model = (result.model_keypoints if result.model_keypoints is not None else result.keypoints)[frame, slot]
    rows = [(frame, slot, k, MOVED, x, y, lo, hi, taper, body)]
    for f in touched(result, k)[1:]:  # moved by the same offset as their wrist or ankle
        dx, dy = model[f, :2] - model[k, :2]
        if np.isfinite(dx) and np.isfinite(dy):
            rows.append((frame, slot, f, MOVED, x + dx, y + dy, lo, hi, taper, body))
    return current(result).added(rows)


def hide(result, person_id: int, first: int, last: int, keypoint) -> Corrections:
    """Plus "not visible" keys on `keypoint` of `person_id` in each of its frames first..last."""
    k = keypoint_index(result, keypoint)
    first, last = max(0, int(first)), min(result.frame_count - 1, int(last))
    frames, slots = np.nonzero(result.person_ids[first:last + 1] == person_id)
    if frames.size == 0:
        raise CorrectionError(f"Person #{person_id} is not in frames {first}-{last}; nothing was hidden.")
    return current(result).added([(f + first, s, i, HIDDEN, np.nan, np.nan, f + first, f + first, False, False)
                                  for f, s in zip(frames.tolist(), slots.tolist()) for i in touched(result, k)])


def remove(result, person_id: int, first: int, last: int, keypoint=None) -> Corrections:
    """Without the keys on `person_id` (one keypoint, or all) in frames first..last."""
    corr = current(result)
    hit = corr.of(result.person_ids, person_id)
    if keypoint is not None:
        hit &= np.isin(corr.keypoint, touched(result, keypoint_index(result, keypoint)))
    hit &= (corr.frame >= first) & (corr.frame <= last)
    if not hit.any():
        raise CorrectionError(f"Nothing of #{person_id} was corrected by hand in frames {first}-{last}.")
    return corr.without(hit)


# ----- applying them -----

def _fill_gaps(pos: np.ndarray, a: int, b: int) -> None:
    """Frames a..b whose position is NaN get it interpolated from the known ones around (in place)."""
    seg = pos[a:b + 1]
    known = np.isfinite(seg[:, 0])
    if known.any() and not known.all():
        idx = np.arange(seg.shape[0])
        for c in range(2):
            seg[~known, c] = np.interp(idx[~known], idx[known], seg[known, c])


def _group(model: np.ndarray, corr: Corrections, rows: np.ndarray, frame_count: int, body=None):
    """One person's keypoint: model (F, 3) on the frame axis (NaN where absent) and its key rows ->
    (F, 3) corrected values and (F,) flags (0 where the model's value stays). body: (F, 2) the body's
    reference point, for keys that follow it."""
    out, flags = model.copy(), np.zeros(frame_count, dtype=np.int8)
    moves = rows[corr.kind[rows] == MOVED]
    moves = moves[np.argsort(corr.frame[moves], kind="stable")]
    segments: list[list[int]] = []
    for r in moves.tolist():  # keys whose reaches overlap or touch are joined by interpolation
        if segments and corr.lo[r] <= corr.hi[segments[-1][-1]] + 1:
            segments[-1].append(r)
        else:
            segments.append([r])
    for seg in segments:
        frames = corr.frame[seg].astype(int)
        key_xy = np.stack([corr.x[seg], corr.y[seg]], axis=1).astype(np.float64)
        base = body if body is not None and corr.body[seg[0]] else model[:, :2]
        offsets = key_xy - base[frames]
        has = np.isfinite(offsets[:, 0])
        first, last = int(frames[0]), int(frames[-1])
        lo, hi = max(0, int(corr.lo[seg[0]])), min(frame_count - 1, int(corr.hi[seg[-1]]))
        span = np.arange(lo, hi + 1)
        off = np.zeros((span.size, 2))
        weight = np.ones(span.size)
        if has.any():
            for c in range(2):  # constant beyond the outer keys with an offset, linear between them
                off[:, c] = np.interp(span, frames[has], offsets[has, c])
        if corr.taper[seg[0]]:
            before = span < first
            weight[before] = 1.0 - (first - span[before]) / (first - lo + 1)
        if corr.taper[seg[-1]]:
            after = span > last
            weight[after] = 1.0 - (span[after] - last) / (hi - last + 1)
        # the fully corrected place, blended towards the model's where the correction fades out
        pos = model[span, :2] + (base[span] + off - model[span, :2]) * weight[:, None]
        if base is body:  # between keys and over a picked range the model's point does not count
            pos[weight >= 1.0] = (base[span] + off)[weight >= 1.0]
        full = weight >= 1.0  # where the user's word holds (between keys, over a picked range)
        pos[frames - lo] = key_xy
        f0, f1 = np.flatnonzero(full)[[0, -1]]
        _fill_gaps(pos, int(f0), int(f1))
        changed = np.isfinite(pos[:, 0]) & ((pos != model[span, :2]).any(axis=1) | full)
        out[span[changed], :2] = pos[changed]
        out[span[changed & full], 2] = 1.0
        flags[span[changed]] = CARRIED
        flags[frames] = KEY
    hidden = corr.frame[rows[corr.kind[rows] == HIDDEN]]
    out[hidden] = (np.nan, np.nan, 0.0)
    flags[hidden] = HIDDEN_FLAG
    return out, flags


def apply(result, corrections: Corrections | None, only: set[tuple[int, int]] | None = None):
    """`result` with `corrections` applied to the model's keypoints. `only` (person id, keypoint) pairs:
    just those are worked out again (one drag touches one keypoint of one person), the rest is kept."""
    model = result.model_keypoints if result.model_keypoints is not None else result.keypoints
    if corrections is None or len(corrections) == 0:
        return dataclasses.replace(result, keypoints=model, model_keypoints=None, manual=None, corrections=None)
    ids = result.person_ids
    if only is None or result.manual is None:
        keypoints, manual = model.copy(), np.zeros(ids.shape + model.shape[2:3], dtype=np.int8)
        groups = corrections.groups(ids)
    else:
        keypoints, manual = result.keypoints.copy(), result.manual.copy()
        groups = set(only)
    pids = ids[corrections.frame, corrections.slot]
    for pid, k in groups:
        frames, slots = np.nonzero(ids == pid)
        track = np.full((result.frame_count, 3), np.nan, dtype=np.float64)
        track[frames] = model[frames, slots, k]
        rows = np.flatnonzero((pids == pid) & (corrections.keypoint == k))
        body = _body_track(model, frames, slots, result.keypoint_names, k, result.frame_count) \
            if corrections.body[rows].any() else None
        values, flags = _group(track, corrections, rows, result.frame_count, body) if rows.size else (track, None)
        keypoints[frames, slots, k] = values[frames]
        manual[frames, slots, k] = 0 if flags is None else flags[frames]
    return dataclasses.replace(result, keypoints=keypoints, model_keypoints=model, manual=manual,
                               corrections=corrections)


def _body_track(model, frames, slots, names, k: int, frame_count: int) -> np.ndarray | None:
    """(F, 2) the middle of the person's shoulders (of the hips for leg points), from the model's points: a
    single side may be wrong or swapped, the pair's middle moves with the body."""
    part = "hip" if any(p in names[k] for p in LEG_PARTS) else "shoulder"
    pair = [f"left_{part}", f"right_{part}"]
    if not all(n in names for n in pair):
        return None
    out = np.full((frame_count, 2), np.nan)
    out[frames] = model[frames, slots][:, [names.index(n) for n in pair], :2].mean(axis=1)
    return out


def reach_of(result, person_id: int, keypoint: int) -> tuple[int, int] | None:
    """First and last frame the person's keypoint is changed by hand, or None."""
    if result.manual is None:
        return None
    f, p = np.nonzero(result.person_ids == person_id)
    hit = f[result.manual[f, p, keypoint] > 0]
    return (int(hit.min()), int(hit.max())) if hit.size else None


def next_low_score(result, person_id: int, start: int, direction: int, threshold: float,
                   keypoints: list[int]) -> tuple[int, int] | None:
    """(frame, keypoint) where one of `keypoints` of the person next drops below `threshold` (or is lost)
    after (direction 1) or before (-1) `start`: the first frame of each such stretch, not every frame of it."""
    f, p = np.nonzero(result.person_ids == person_id)
    if f.size == 0 or not keypoints:
        return None
    low = np.zeros((result.frame_count, len(keypoints)), dtype=bool)
    scores = result.keypoints[f, p][:, keypoints, 2]
    low[f] = ~(np.nan_to_num(scores, nan=0.0) >= threshold)
    starts = low & ~np.vstack([np.zeros((1, low.shape[1]), dtype=bool), low[:-1]])
    frames = np.flatnonzero(starts.any(axis=1))
    frames = frames[frames > start] if direction > 0 else frames[frames < start][::-1]
    if frames.size == 0:
        return None
    frame = int(frames[0])
    return frame, int(keypoints[int(np.flatnonzero(starts[frame])[0])])
