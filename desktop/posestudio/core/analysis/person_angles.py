"""Per-person angle series from an analysis, computed the way the window shows them.

Angles are computed per tracked person (not per slot) so smoothing and velocities never mix two people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_MIN_SCORE = 0.3
# joint angles written next to the joints on exported video (segment angles would clutter the picture)
LABELLED_FAMILIES = ("knee", "hip", "elbow", "shoulder", "ankle")


def available_angles(keypoint_names) -> list:
    """Built-in angles, then the custom ones saved in the window, that this keypoint set allows."""
    from posestudio.core.kinematics import DEFAULT_ANGLES
    from posestudio.core.kinematics import available_angles as _available
    from posestudio.core.kinematics.custom_store import load_custom_angles

    builtin = {a.name for a in DEFAULT_ANGLES}
    custom = [a for a in load_custom_angles() if a.name not in builtin]
    return list(_available(tuple(keypoint_names), list(DEFAULT_ANGLES) + custom))


def labelled_angles(keypoint_names) -> list:
    """The joint angles shown at the joints: knees, hips, elbows, shoulders, ankles that this model allows."""
    return [a for a in available_angles(keypoint_names) if getattr(a, "family", a.name) in LABELLED_FAMILIES]


def track_lengths(person_ids: np.ndarray, analysed: np.ndarray | None = None) -> list[tuple[int, int]]:
    """(track id, frames present) for every person, longest track first (ties: lower id first).

    analysed: count only these frames (a result still being analysed)."""
    ids = person_ids if analysed is None else person_ids[analysed]
    ids = ids[ids >= 0]
    if ids.size == 0:
        return []
    values, counts = np.unique(ids, return_counts=True)
    order = np.lexsort((values, -counts))
    return [(int(values[i]), int(counts[i])) for i in order]


def main_person(result) -> int | None:
    """The track id present in the most frames: whom a single-person export is about, and whom the window
    follows until the user picks someone."""
    found = track_lengths(result.person_ids)
    return found[0][0] if found else None


def switching_note(result, model_name: str | None = None) -> str | None:
    """One sentence when a single-person model followed several people in turn (its hops got their own
    ids), pointing to the multi-person model; None otherwise."""
    if result.person_ids.ndim != 2 or result.person_ids.shape[1] != 1:
        return None  # a multi-person model keeps everyone apart already
    total = int(result.analysed.sum()) if result.analysed is not None else result.frame_count
    found = [n for _, n in track_lengths(result.person_ids, result.analysed)]
    people = sum(n >= max(5, 0.03 * total) for n in found)  # a stray frame or two is not a person
    if people < 2:
        return None
    name = model_name or result.model_id
    return (f"{name} follows one person at a time and switched between {people} people here; MoveNet "
            f"MultiPose keeps each person apart.")


@dataclass
class PersonAngles:
    person_id: int
    present: np.ndarray               # (F,) bool
    angles: dict[str, np.ndarray]     # name -> (F,) degrees, smoothed when asked (as shown in the window)
    raw: dict[str, np.ndarray]        # name -> (F,) degrees straight from the keypoints
    velocities: dict[str, np.ndarray]  # name -> (F,) deg/s of `angles`


def person_angles(result, person_id: int, angles=None, *, smooth: bool = True,
                  min_score: float = DEFAULT_MIN_SCORE) -> PersonAngles:
    """Angles of one tracked person over the whole clip, via kinematics.angle_table (the window's own call).

    Frames where the person is absent are NaN (smoothing may fill short gaps, as on screen).
    """
    from posestudio.core.kinematics import angle_table

    names = tuple(result.keypoint_names)
    defs = available_angles(names) if angles is None else list(angles)
    present = (result.person_ids == person_id).any(axis=1)
    if not defs:
        return PersonAngles(person_id, present, {}, {}, {})
    table = angle_table(result.track(person_id), result.timestamps, names, angles=defs, min_score=min_score,
                        smoothing=smooth, left_out=result.left_out_of(person_id))
    return PersonAngles(person_id, present, table.filtered, table.raw, table.velocity)


def all_person_angles(result, angles=None, *, smooth: bool = True,
                      min_score: float = DEFAULT_MIN_SCORE) -> list[PersonAngles]:
    return [person_angles(result, pid, angles, smooth=smooth, min_score=min_score)
            for pid in result.person_ids_present()]


def to_slots(result, tracks: list[PersonAngles], name: str, kind: str = "angles") -> np.ndarray:
    """(F, P) array aligned with the result's slots, from per-person series (kind: angles, raw, velocities)."""
    out = np.full(result.person_ids.shape, np.nan, dtype=np.float64)
    for tr in tracks:
        series = getattr(tr, kind).get(name)
        if series is None:
            continue
        f, p = np.nonzero(result.person_ids == tr.person_id)
        out[f, p] = series[f]
    return out
