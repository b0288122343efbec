"""Completing a live analysis: the frames the live pipeline skipped, analysed afterwards from the recording.

Live, the model takes the newest frame and skips those that arrive while it works. So that the recording
opens as an ordinary clip with every frame analysed (and found in the cache), the skipped frames are
analysed from the recorded file when the session ends. The live frames keep their poses exactly. Before
each gap the model sees the live frame before it again (its result unused), so models that follow the
person from frame to frame start the gap where the live analysis was, not from the whole picture. A
person found in a skipped frame takes the id of the nearest person in the last live frame with people
before the gap or the first after it (within one body size and NEIGHBOUR_S), else a new id.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

import numpy as np

from posestudio.core.analysis.body import box_centre, box_from_keypoints, box_size, valid_points
from posestudio.core.errors import Cancelled
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

log = logging.getLogger(__name__)

MATCH_BODY_SIZES = 0.5  # how far (in body sizes) a person may be from where they were seen live...
MATCH_SPEED = 3.0       # ...plus this many body sizes a second since (as SinglePersonTracker allows)
NEIGHBOUR_S = 1.0       # live frames further from the gap than this say nothing about who is in it
MIN_POINTS = 5          # fewer confident keypoints do not place a body


def _where(keypoints: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Centre and size of a well-seen body; None for a few stray points (as SinglePersonTracker judges)."""
    if valid_points(keypoints, DEFAULT_MIN_SCORE).sum() < MIN_POINTS:
        return None
    box = box_from_keypoints(keypoints, margin=0.0)
    if box is None or box_size(box) <= 0:
        return None
    return box_centre(box), box_size(box)


def _nearest_id(found: tuple[np.ndarray, float], seen: list[tuple[int, np.ndarray, float]], used: set[int],
                t: float) -> int | None:
    best, best_cost = None, np.inf
    centre, size = found
    for pid, other_centre, other_size, other_t in seen:
        if pid < 0 or pid in used:
            continue
        cost = float(np.linalg.norm(centre - other_centre)) / max(size, other_size, 1.0)
        if cost <= MATCH_BODY_SIZES + MATCH_SPEED * abs(t - other_t) and cost < best_cost:
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

    def seen_near(i: int, step: int) -> list[tuple[int, np.ndarray, float, float]]:
        """People of the nearest live frame with anyone in it, from i on in direction step."""
        t0 = result.timestamps[i - step] if 0 <= i - step < result.frame_count else None
        while 0 <= i < result.frame_count and result.analysed[i]:
            if t0 is not None and abs(result.timestamps[i] - t0) > NEIGHBOUR_S:
                break
            out = []
            for slot in result.people_in_frame(i):
                where = _where(result.keypoints[i, slot])
                if where is not None:
                    out.append((int(result.person_ids[i, slot]), *where, float(result.timestamps[i])))
            if out:
                return out
            i += step
            while 0 <= i < result.frame_count and not result.analysed[i]:
                i += step  # another gap: keep looking past it
        return []

    for index, t, rgb in source.frames(max(0, int(skipped[0]) - 1), int(skipped[-1]) + 1):
        if cancel is not None and cancel.is_set():
            raise Cancelled("Completing the live analysis")
        if index not in todo:
            if index + 1 in todo:  # a gap follows: let the model find the person where live analysis had them
                estimator.reset()
                estimator.estimate(rgb)
                previous_index = index
            continue
        if index != previous_index + 1:  # a gap at the very start
            estimator.reset()
        if index - 1 not in todo:  # a new gap
            gap_ids = {}
            gap_end = index
            while gap_end + 1 in todo:
                gap_end += 1
            before, after = seen_near(index - 1, -1), seen_near(gap_end + 1, 1)
        previous_index = index
        people = estimator.estimate(rgb)[: result.max_people]
        used: set[int] = set()
        for slot, person in enumerate(people):
            where = _where(person.keypoints)
            pid = None
            if where is not None:
                pid = _nearest_id(where, before, used, t)
                pid = _nearest_id(where, after, used, t) if pid is None else pid
            if pid is None and where is None:
                # too little of them to place: a single-person model's one person is whoever it followed
                # (SinglePersonTracker keeps the id too); among several people it stays unconfirmed
                neighbours = [p for p, *_ in before + after if p >= 0 and p not in used]
                pid = neighbours[0] if result.max_people == 1 and neighbours else -1
            if pid is None:
                key = slot
                if key not in gap_ids:
                    gap_ids[key], next_id = next_id, next_id + 1
                pid = gap_ids[key]
            if pid >= 0:
                used.add(pid)
            result.put_person(index, slot, person, pid)
        result.analysed[index] = True
        done += 1
        if progress is not None:
            progress(done, skipped.size)
    log.info("live analysis completed: %d skipped frames analysed from the recording", done)
    return done
