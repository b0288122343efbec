"""Per-person angle series from an analysis, computed the way the window shows them, and who is who
(the main person, a single-person model's hops).

Angles are computed per tracked person (not per slot) so smoothing and velocities never mix two people.
The user's custom angles come from the caller (the window holds them, the CLI loads them): nothing here
reads the user's files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.kinematics.filtering import DEFAULT_CUTOFF_HZ
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE

# joint angles written next to the joints on exported video (segment angles would clutter the picture)
LABELLED_FAMILIES = ("knee", "hip", "elbow", "shoulder", "ankle")


def available_angles(keypoint_names, custom=()) -> list:
    """Built-in angles, then the `custom` ones (AngleDefs the user made), that this keypoint set allows."""
    from posestudio.core.kinematics import DEFAULT_ANGLES
    from posestudio.core.kinematics import available_angles as _available

    builtin = {a.name for a in DEFAULT_ANGLES}
    extra = [a for a in custom if a.name not in builtin]
    return list(_available(tuple(keypoint_names), list(DEFAULT_ANGLES) + extra))


def labelled_angles(keypoint_names, custom=()) -> list:
    """The joint angles shown at the joints: knees, hips, elbows, shoulders, ankles that this model allows."""
    return [a for a in available_angles(keypoint_names, custom) if getattr(a, "family", a.name) in LABELLED_FAMILIES]


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

    angles: AngleDefs to compute; None: every built-in angle this keypoint set allows.

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
    defs = available_angles(result.keypoint_names) if angles is None else list(angles)
    return [person_angles(result, pid, defs, smooth=smooth, min_score=min_score)
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


# ----- joint angles per person, aligned with the result's slots (for analyze --angles and --summary) -----

def angle_settings(min_score: float = DEFAULT_MIN_SCORE, smoothing: bool = True,
                   cutoff_hz: float = DEFAULT_CUTOFF_HZ) -> dict:
    """How angle_columns computed the angles, for the files that record it. The cutoff is None when
    smoothing is off (no low-pass was applied)."""
    return {"min_score": float(min_score), "smoothing": bool(smoothing),
            "cutoff_hz": float(cutoff_hz) if smoothing else None}


def angle_columns(result: AnalysisResult, angles=None, *, min_score: float = DEFAULT_MIN_SCORE,
                  smoothing: bool = True, cutoff_hz: float = DEFAULT_CUTOFF_HZ,
                  ) -> tuple[dict[str, np.ndarray], dict[int, object]]:
    """(name -> (F, P) degrees or deg/s, person id -> AngleTable) for every tracked person.

    angles: AngleDefs or built-in names to compute (None: every angle the keypoint set allows).
    min_score, smoothing, cutoff_hz: as the window's confidence threshold and smoothing (defaults are the
    window's); smoothing off gives the raw angles (no outlier rejection, gap filling or low-pass).

    Columns are each angle (smoothed unless asked not to) and `<angle>_velocity`, as the kinematics'
    angle_table gives them. The tables carry the same settings, so summary_rows() of them agrees.
    """
    from posestudio.core.kinematics import angle_table

    columns: dict[str, np.ndarray] = {}
    tables = {}
    shape = result.person_ids.shape
    for pid in result.person_ids_present():
        table = angle_table(result.track(pid), result.timestamps, result.keypoint_names, angles=angles,
                            min_score=min_score, smoothing=smoothing, cutoff_hz=cutoff_hz,
                            left_out=result.left_out_of(pid))
        tables[pid] = table
        frames, slots = np.nonzero(result.person_ids == pid)
        for name, values in table.columns(raw=False, velocity=True).items():
            column = columns.setdefault(name, np.full(shape, np.nan, dtype=np.float64))
            column[frames, slots] = values[frames]
    return columns, tables


def series_columns(result, people: list[PersonAngles], angles=None) -> dict[str, np.ndarray]:
    """The exported angle columns, named as kinematics.AngleTable.columns: NAME, NAME_raw, NAME_velocity,
    each (F, P) aligned with the result's slots; `angles` (AngleDefs) names them when nobody was found."""
    if people:
        names = list(people[0].angles)
    else:
        names = [a.name for a in (available_angles(result.keypoint_names) if angles is None else angles)]
    cols: dict[str, np.ndarray] = {}
    for name in names:
        cols[name] = to_slots(result, people, name)
        cols[f"{name}_raw"] = to_slots(result, people, name, "raw")
        cols[f"{name}_velocity"] = to_slots(result, people, name, "velocities")
    return cols
