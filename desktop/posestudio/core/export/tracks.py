"""Per-person angle series from an analysis, computed the way the window shows them.

Angles are computed per tracked person (not per slot) so smoothing and velocities never mix two people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_MIN_SCORE = 0.3
# joint angles written next to the joints on exported video (segment angles would clutter the picture)
LABELLED_FAMILIES = ("knee", "hip", "elbow", "shoulder", "ankle")


def _kin():
    """The kinematics API (package exports, or its modules while the package is being assembled)."""
    from posestudio.core import kinematics as kin

    if all(hasattr(kin, n) for n in ("compute_angles", "available_angles", "smooth", "angular_velocity")):
        return kin
    from posestudio.core.kinematics import angles, filtering

    class _Api:
        compute_angles = staticmethod(angles.compute_angles)
        available_angles = staticmethod(angles.available_angles)
        smooth = staticmethod(filtering.smooth)
        angular_velocity = staticmethod(filtering.angular_velocity)

    return _Api


def available_angles(keypoint_names) -> list:
    return list(_kin().available_angles(tuple(keypoint_names)))


def labelled_angles(keypoint_names) -> list:
    """The joint angles shown at the joints: knees, hips, elbows, shoulders, ankles that this model allows."""
    return [a for a in available_angles(keypoint_names) if getattr(a, "family", a.name) in LABELLED_FAMILIES]


def main_person(result) -> int | None:
    """The track id present in the most frames (the person a single-person export is about)."""
    ids = result.person_ids[result.person_ids >= 0]
    if ids.size == 0:
        return None
    values, counts = np.unique(ids, return_counts=True)
    return int(values[np.argmax(counts)])


@dataclass
class PersonAngles:
    person_id: int
    present: np.ndarray               # (F,) bool
    angles: dict[str, np.ndarray]     # name -> (F,) degrees
    velocities: dict[str, np.ndarray]  # name -> (F,) deg/s


def person_angles(result, person_id: int, angles=None, *, smooth: bool = True,
                  min_score: float = DEFAULT_MIN_SCORE) -> PersonAngles:
    """Angles of one tracked person over the whole clip; smoothed like the window's default view.

    Velocities are always taken from the smoothed curve: differentiating raw keypoint noise gives numbers
    nobody can use. Frames where the person is absent are NaN (smoothing may fill short gaps, as on screen).
    """
    kin = _kin()
    names = tuple(result.keypoint_names)
    defs = available_angles(names) if angles is None else list(angles)
    track = result.track(person_id)
    present = (result.person_ids == person_id).any(axis=1)
    raw = kin.compute_angles(track, names, angles=defs, min_score=min_score) if defs else {}
    t = np.asarray(result.timestamps, dtype=np.float64)
    out, vel = {}, {}
    for name, values in raw.items():
        smoothed = kin.smooth(values, t) if np.isfinite(values).sum() > 1 else values
        out[name] = smoothed if smooth else values
        vel[name] = kin.angular_velocity(smoothed, t)
    return PersonAngles(person_id, present, out, vel)


def all_person_angles(result, angles=None, *, smooth: bool = True,
                      min_score: float = DEFAULT_MIN_SCORE) -> list[PersonAngles]:
    return [person_angles(result, pid, angles, smooth=smooth, min_score=min_score)
            for pid in result.person_ids_present()]


def to_slots(result, tracks: list[PersonAngles], name: str, velocity: bool = False) -> np.ndarray:
    """(F, P) array aligned with the result's slots, from per-person series."""
    out = np.full(result.person_ids.shape, np.nan, dtype=np.float64)
    for tr in tracks:
        series = (tr.velocities if velocity else tr.angles).get(name)
        if series is None:
            continue
        f, p = np.nonzero(result.person_ids == tr.person_id)
        out[f, p] = series[f]
    return out
