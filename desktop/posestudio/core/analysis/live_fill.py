"""Completing a live analysis: the frames the live pipeline skipped, analysed afterwards from the recording.

Live, the model takes the newest frame and skips those that arrive while it works. So that the recording
opens as an ordinary clip with every frame analysed (and found in the cache), the skipped frames are
analysed from the recorded file when the session ends. The live frames keep their poses exactly. A
person found in a skipped frame takes the id of the nearest person in the live frame before or after the
gap (within one body size of them), else a new id.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

import numpy as np

from posestudio.core.analysis.body import box_centre, box_from_keypoints, box_size
from posestudio.core.errors import Cancelled

log = logging.getLogger(__name__)

MATCH_BODY_SIZES = 1.0  # how far (in body sizes) a person may be from where they were seen live


def _where(keypoints: np.ndarray) -> tuple[np.ndarray, float] | None:
    box = box_from_keypoints(keypoints, margin=0.0)
    if box is None or box_size(box) <= 0:
        return None
    return box_centre(box), box_size(box)


def _nearest_id(found: tuple[np.ndarray, float], seen: list[tuple[int, np.ndarray, float]], used: set[int]) -> int | None:
    best, best_cost = None, MATCH_BODY_SIZES
    centre, size = found
    for pid, other_centre, other_size in seen:
        if pid < 0 or pid in used:
            continue
        cost = float(np.linalg.norm(centre - other_centre)) / max(size, other_size, 1.0)
        if cost <= best_cost:
            best, best_cost = pid, cost
    return best


def fill_skipped(result, source, estimator, *, progress: Callable[[int, int], None] | None = None,
                 cancel: threading.Event | None = None) -> int:
    """Analyse the frames of `result` not analysed yet from `source` (a VideoSource of the recording, with
    exactly result.frame_count frames), in place. Returns how many frames were filled."""
    skipped = np.flatnonzero(~result.analysed)
    if skipped.size == 0:
        return 0
    todo = set(skipped.tolist())
    next_id = int(max(result.person_ids.max(), -1)) + 1
    gap_ids: dict[int, int] = {}  # a new person in a gap keeps one new id for the rest of that gap
    previous_index = -2
    done = 0

    def seen_at(i: int) -> list[tuple[int, np.ndarray, float]]:
        if not (0 <= i < result.frame_count and result.analysed[i]):
            return []
        out = []
        for slot in result.people_in_frame(i):
            where = _where(result.keypoints[i, slot])
            if where is not None:
                out.append((int(result.person_ids[i, slot]), *where))
        return out

    for index, _t, rgb in source.frames(int(skipped[0]), int(skipped[-1]) + 1):
        if index not in todo:
            continue
        if cancel is not None and cancel.is_set():
            raise Cancelled("Completing the live analysis")
        if index != previous_index + 1:  # a new gap: the estimator's tracking starts afresh
            estimator.reset()
            gap_ids = {}
            gap_end = index
            while gap_end + 1 in todo:
                gap_end += 1
            before, after = seen_at(index - 1), seen_at(gap_end + 1)
        previous_index = index
        people = estimator.estimate(rgb)[: result.max_people]
        used: set[int] = set()
        for slot, person in enumerate(people):
            where = _where(person.keypoints)
            pid = None
            if where is not None:
                pid = _nearest_id(where, before, used)
                pid = _nearest_id(where, after, used) if pid is None else pid
            if pid is None:
                key = slot
                if key not in gap_ids:
                    gap_ids[key], next_id = next_id, next_id + 1
                pid = gap_ids[key]
            used.add(pid)
            result.keypoints[index, slot] = person.keypoints
            result.person_scores[index, slot] = person.score
            result.person_ids[index, slot] = pid
            if result.world is not None and person.world is not None:
                result.world[index, slot] = person.world
        result.analysed[index] = True
        done += 1
        if progress is not None:
            progress(done, skipped.size)
    log.info("live analysis completed: %d skipped frames analysed from the recording", done)
    return done
