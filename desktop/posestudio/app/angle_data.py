"""The angles the window shows for the followed person: what is asked (AngleRequest), what comes back
(AngleData), and `compute`, which a LatestRunner calls off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posestudio.app import angles
from posestudio.core.analysis.person_angles import track_lengths
from posestudio.core.kinematics.sudden import sudden_changes
from posestudio.core.analysis.left_out import left_out_ranges


@dataclass
class AngleRequest:
    result: object                 # AnalysisResult (a snapshot the worker does not touch any more)
    person: int                    # track id to follow, -1 for the longest track
    wanted: list[str]
    threshold: float
    smooth: bool
    timestamps: np.ndarray | None = None   # the clip's; the result's own are NaN on frames not analysed yet
    custom: tuple = ()                     # the user's custom AngleDefs


@dataclass
class AngleData:
    person: int                    # track actually followed (-1: nobody found yet)
    tracks: list[tuple[int, int]]
    values: dict[str, np.ndarray] = field(default_factory=dict)   # name -> (F,) degrees, as plotted
    timestamps: np.ndarray | None = None
    table: object = None           # the kinematics AngleTable behind `values` (summaries), None without angles
    result: object = None          # the AnalysisResult these angles come from
    sudden: list = field(default_factory=list)     # kinematics SuddenChange in the shown curves
    left_out: list = field(default_factory=list)   # (first, last, parts) the user left out of this person


def compute(request: AngleRequest) -> AngleData:
    result = request.result
    found = track_lengths(result.person_ids, result.analysed)
    ids = [t for t, _ in found]
    person = request.person if request.person in ids else (ids[0] if ids else -1)
    ts = request.timestamps
    if ts is None or len(ts) != len(result.timestamps):
        ts = result.timestamps
    data = AngleData(person=person, tracks=found, timestamps=np.asarray(ts, dtype=float), result=result)
    if person < 0:
        return data
    data.table = angles.table(result.track(person), result.keypoint_names, request.wanted, data.timestamps,
                              request.threshold, request.smooth, request.custom, result.left_out_of(person))
    if data.table is not None:
        data.values = {k: np.asarray(v, dtype=float) for k, v in data.table.filtered.items()}
        data.sudden = sudden_changes(data.table)
    data.left_out = left_out_ranges(result, person)
    return data
