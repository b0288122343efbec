"""Person ids for single-person models, which report one person a frame and may hop to someone else."""

from __future__ import annotations

import numpy as np

from posestudio.core.analysis.body import (box_centre, box_from_keypoints, box_size, colour_distance, normalised,
                                           valid_points)
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE


class SinglePersonTracker:
    """Ids for single-person models, which report one person a frame and may hop to someone else.

    A hop shows, between sightings less than `window_s` apart, as the body's box moving by more than
    `max_jump` body sizes or changing size more than `max_growth` times (no one moves or grows that fast),
    or, with colours given, as other clothes (colour_distance above `colour_hop`) together with a smaller
    shift of the box (`colour_shift` body sizes, or a size change of `colour_growth` times): two players who
    overlap are told apart by their shirts, while a person turning or flipping in place keeps the id.
    The person after a hop takes the id of whoever was last seen near there (within `memory_s`, allowing
    `speed` body sizes a second since, similar size and clothes), else a new one, so one id's curves never
    join two people and a person the model comes back to keeps their id. After a longer absence a new
    position is plausible and the id is kept. Same update() signature as PersonTracker.
    """

    def __init__(self, max_jump: float = 1.0, window_s: float = 0.5, memory_s: float = 5.0, speed: float = 3.0,
                 min_score: float = DEFAULT_MIN_SCORE, max_growth: float = 2.5, colour_hop: float = 0.5,
                 colour_shift: float = 0.15, colour_growth: float = 1.3):
        # speed: body sizes per second someone may have moved while the model looked at another person;
        # max_growth: box size ratio one person may show (sqrt of area: a jumping jack's arms give 1.7)
        self.max_jump, self.window_s, self.memory_s, self.min_score = max_jump, window_s, memory_s, min_score
        self.speed, self.max_growth = speed, max_growth
        self.colour_hop, self.colour_shift, self.colour_growth = colour_hop, colour_shift, colour_growth
        self.current = 0
        self._seen: dict[int, tuple[np.ndarray, float, float]] = {}  # id -> last centre, size, time
        self._looks: dict[int, np.ndarray] = {}  # id -> running torso colour histogram

    def update(self, keypoints_list, boxes=None, timestamp: float | None = None, appearance=None) -> list[int]:
        return self.update_observed(len(keypoints_list), self.observe(keypoints_list, appearance), timestamp)

    def observe(self, keypoints_list, appearance=None):
        """What update() takes from a frame, whatever came before: (centre, size, torso colours) of the first
        person when well seen, else None. The join of two segments works it out while their frames wait
        (segments.py): most of update()'s Python, out of the burst that gives the frames their ids."""
        for kp in keypoints_list[:1]:
            # a few stray points give a tiny box that seems to jump: judge only well-seen bodies
            box = box_from_keypoints(kp, self.min_score, margin=0.0) if valid_points(kp, self.min_score).sum() >= 5 else None
            if box is not None and box_size(box) > 0:
                look = None if not appearance or appearance[0] is None else normalised(appearance[0])
                return box_centre(box), box_size(box), look
        return None

    def update_observed(self, people: int, observed, timestamp: float | None = None) -> list[int]:
        """update() for a frame of `people` people that observe() has seen as `observed`."""
        if not people:
            return []
        if observed is not None:
            centre, size, look = observed
            t = float(timestamp or 0.0)
            last = self._seen.get(self.current)
            if last is not None and t - last[2] <= self.window_s and self._hop(last, centre, size, look):
                self.current = self._returning(centre, size, t, look)
            self._seen[self.current] = (centre, size, t)
            if look is not None:
                ref = self._looks.get(self.current)
                self._looks[self.current] = look if ref is None else normalised(0.8 * ref + 0.2 * look)
        return [self.current] + [-1] * (people - 1)

    def _hop(self, last, centre, size, look) -> bool:
        moved = float(np.hypot(*(centre - last[0]))) / max(size, last[1])
        growth = max(size, last[1]) / min(size, last[1])
        if moved > self.max_jump or growth > self.max_growth:
            return True
        ref = self._looks.get(self.current)
        return (look is not None and ref is not None and colour_distance(ref, look) > self.colour_hop
                and (moved > self.colour_shift or growth > self.colour_growth))

    def _returning(self, centre, size, t, look=None) -> int:
        # measured in the remembered person's size: a big body near a small one is not that person
        # come back (a close-up runner is not the figure far behind them), and neither is one twice as big
        near = []
        for pid, (where, old, seen) in self._seen.items():
            if pid == self.current or t - seen > self.memory_s:
                continue
            d = float(np.hypot(*(centre - where))) / old
            if d > self.max_jump + self.speed * (t - seen) or max(size, old) > self.max_growth * min(size, old):
                continue
            ref = self._looks.get(pid)
            if look is not None and ref is not None and colour_distance(ref, look) > self.colour_hop:
                continue
            near.append((d, pid))
        return min(near)[1] if near else max(self._seen) + 1
