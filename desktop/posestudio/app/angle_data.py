"""The angles the window shows for the followed person: what is asked (AngleRequest), what comes back
(AngleData), and `compute`, which a LatestRunner calls off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posestudio.app import angles
from posestudio.app.timeline.decimate import merge_spans
from posestudio.core import kinematics as _kin
from posestudio.core.analysis.person_angles import track_lengths
from posestudio.core.kinematics.sudden import sudden_changes
from posestudio.core.kinematics.table_patch import MAX_SHARE, patch_table
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
    base: object = None                    # the AngleData shown: patched where the result changed, when it fits


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
    asked: tuple = ()              # (wanted, threshold, smooth, custom) of the request
    smoothed: int | None = None    # samples smoothed again when patched from the base; None: the whole clip


def _asked(request: AngleRequest) -> tuple:
    return tuple(request.wanted), request.threshold, request.smooth, tuple(request.custom)


def compute(request: AngleRequest) -> AngleData:
    result = request.result
    found = track_lengths(result.person_ids, result.analysed)
    ids = [t for t, _ in found]
    person = request.person if request.person in ids else (ids[0] if ids else -1)
    ts = request.timestamps
    if ts is None or len(ts) != len(result.timestamps):
        ts = result.timestamps
    data = AngleData(person=person, tracks=found, timestamps=np.asarray(ts, dtype=float), result=result,
                     asked=_asked(request))
    if person < 0:
        return data
    track, left_out = result.track(person), result.left_out_of(person)
    patched = _patched(request.base, data, track, left_out)
    if patched is not None:
        data.table, data.smoothed = patched
    else:
        data.table = angles.table(track, result.keypoint_names, request.wanted, data.timestamps,
                                  request.threshold, request.smooth, request.custom, left_out)
    if data.table is not None:
        data.values = {k: np.asarray(v, dtype=float) for k, v in data.table.filtered.items()}
        data.sudden = sudden_changes(data.table)
    data.left_out = left_out_ranges(result, person)
    return data


def _patched(base, data: AngleData, track, left_out):
    """(table, samples smoothed again) from the angles shown, when only some frames of the followed person
    changed (a hand correction, its undo): smoothing the whole clip again takes seconds on a long one."""
    old, new = (base.result if base is not None else None), data.result
    # a result still being analysed is filled in place (and its curves with it): nothing to compare with
    if old is None or old is new or not old.complete or base.table is None:
        return None
    if base.person != data.person or base.asked != data.asked or old.keypoints.shape != new.keypoints.shape \
            or tuple(old.keypoint_names) != tuple(new.keypoint_names) or not np.array_equal(base.timestamps, data.timestamps):
        return None
    before, left_before = old.track(data.person), old.left_out_of(data.person)
    changed = ~np.all((before == track) | (np.isnan(before) & np.isnan(track)), axis=(1, 2))
    if left_out is not None or left_before is not None:   # None: nothing left out
        none = np.zeros(track.shape[:2], dtype=bool)
        changed |= ((none if left_out is None else left_out) != (none if left_before is None else left_before)).any(axis=1)
    if not changed.any():
        return base.table, 0
    if changed.mean() > MAX_SHARE:
        return None
    return patch_table(base.table, track, new.keypoint_names, left_out, before)


SIGNED_KINDS = ("segment", "vertical")   # unwrapped over time: a new piece continues from the last value


class GrowingAngles:
    """While the analysis runs: the raw angles of the followed person filled in, in place, for the frames just
    analysed only (cleaning and smoothing need the whole curve; they come with the next full computation).
    Frames may come from several places at once (segments of the clip analysed side by side)."""

    def __init__(self, values: dict[str, np.ndarray], defs: dict, keypoint_names, person: int, threshold: float,
                 upto: int):
        self.values, self.defs, self.names = values, defs, tuple(keypoint_names)
        self.person, self.threshold = person, threshold
        self.upto = upto            # one past the last frame with angles: the curves are drawn up to it
        self.changed: list[tuple[int, int]] = []   # spans (start, stop) changed since the curves took them
        self.rows_computed = 0   # frames computed since the last full computation (tests count them)

    def add(self, result, start: int, stop: int) -> tuple[int, int] | None:
        """Angles of frames [start, stop) into `values`; returns that span, or None when it is empty."""
        start, stop = max(int(start), 0), min(int(stop), len(result.analysed))
        if stop <= start:
            return None
        found = result.person_ids[start:stop] == self.person
        kp = np.full((stop - start, len(self.names), 3), np.nan)
        f, p = np.nonzero(found)
        kp[f] = result.keypoints[start:stop][f, p]
        size = (result.width, result.height) if result.width and result.height else None
        chosen = [self.defs[n] for n in self.values if n in self.defs]
        new = _kin.compute_angles(kp, self.names, chosen, self.threshold, frame_size=size)
        for name, piece in new.items():
            column = self.values[name]
            if self.defs[name].kind in SIGNED_KINDS:
                piece = _continue_from(column[:start], piece)
            column[start:stop] = piece
        self.rows_computed += stop - start
        self.upto = max(self.upto, stop)
        self.changed = merge_spans(self.changed + [(start, stop)])
        return start, stop

    def take_changed(self) -> list[tuple[int, int]]:
        """The spans (start, stop) changed since the last call, for the curves to take those only."""
        changed, self.changed = self.changed, []
        return changed


def _continue_from(before: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """Shift an unwrapped piece by whole turns so it starts near the last value before it."""
    done = np.flatnonzero(np.isfinite(before[-300:]))   # a bounded look back: the work stays per new frame
    ok = np.flatnonzero(np.isfinite(piece))
    if not done.size or not ok.size:
        return piece
    last = before[-300:][done[-1]]
    return piece + 360.0 * np.round((last - piece[ok[0]]) / 360.0)
