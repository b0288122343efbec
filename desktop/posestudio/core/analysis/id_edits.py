"""The user's fixes to person ids (swap two from a frame on, merge one the tracker split in two), and
finding a person's keypoints or the person under a click."""

from __future__ import annotations

import numpy as np

from posestudio.core.analysis.body import box_from_keypoints, valid_points
from posestudio.core.errors import PoseStudioError
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE


class IdEditError(PoseStudioError):
    """A manual identity fix cannot be applied."""


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


def person_at(keypoints: np.ndarray, x: float, y: float, min_score: float = DEFAULT_MIN_SCORE) -> int | None:
    """Slot index of the person under the point (x, y) in one frame's (P, K, C) keypoints, or None.

    Inside a person's box counts; among several (people overlapping), the one with a keypoint nearest wins.
    """
    best, best_d = None, np.inf
    for p, kp in enumerate(np.asarray(keypoints, dtype=np.float64)):
        box = box_from_keypoints(kp, min_score, margin=0.15)
        if box is None or not (box[0] <= x <= box[2] and box[1] <= y <= box[3]):
            continue
        ok = valid_points(kp, min_score)
        d = float(np.hypot(kp[ok, 0] - x, kp[ok, 1] - y).min())
        if d < best_d:
            best, best_d = p, d
    return best
