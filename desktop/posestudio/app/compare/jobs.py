"""What compare mode and the cycles view compute, as plain functions a worker thread calls: B's analysis,
the followed person's curves, the sync and the numbers of both clips over the stretch they share, cycles."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from posestudio.core.analysis.person_angles import main_person, person_angles
from posestudio.core.errors import PoseStudioError
from posestudio.core.export.side_by_side import matching_frames
from posestudio.core.kinematics import DEFAULT_ANGLES, available_angles
from posestudio.core.kinematics import sync as synclib
from posestudio.core.kinematics.cycles import person_cycles
from posestudio.core.kinematics.summary import summarise, usual_range

JOINT_FAMILIES = ("knee", "hip", "elbow", "shoulder", "ankle")   # as `posestudio compare` and `cycles`
SUMMARY_STATS = ("min", "max", "range", "reps", "cadence")


def analyse_b(path: str, model_id: str):
    """job(progress, cancel) -> B's AnalysisResult: cached with this model, else analysed now (and cached)."""

    def job(progress, cancel):
        from posestudio.core.analysis.cache import analysis_for
        from posestudio.core.video.source import VideoSource

        with VideoSource(path) as source:
            return analysis_for(source, model_id, progress=progress, cancel=cancel)

    return job


def followed_curves(result, pid: int | None = None) -> tuple[int, dict[str, np.ndarray]]:
    """(person id, joint-angle name -> smoothed degrees) of `pid`, else of the person seen most."""
    name = Path(result.video_path).name
    if pid is None or pid not in result.person_ids_present():
        pid = main_person(result)
    if pid is None:
        raise PoseStudioError(f"No person was found in {name}; there is nothing to compare.")
    defs = [a for a in available_angles(tuple(result.keypoint_names), list(DEFAULT_ANGLES))
            if a.name.split("_", 1)[-1] in JOINT_FAMILIES]
    return pid, person_angles(result, pid, defs).angles


@dataclass
class Comparison:
    """Two clips on A's clock: the sync, each clip's followed person and curves, and B's frame for each of A's."""

    sync: object                  # kinematics.sync.SyncResult
    pid_a: int
    pid_b: int
    curves_a: dict
    curves_b: dict
    t_a: np.ndarray
    t_b: np.ndarray
    b_for_a: np.ndarray           # B's frame index for each of A's frames, -1 where B shows no moment
    numbers: dict = field(default_factory=dict)   # angle -> {"A": {...}, "B": {...}}
    nudged_s: float = 0.0         # what the user added by hand to the computed offset

    def shifted(self, seconds: float) -> "Comparison":
        """The same comparison with B moved `seconds` later against A (a nudge)."""
        s = self.sync
        sync = replace(s, offset_s=s.offset_s + seconds,
                       path_b=None if s.path_b is None else s.path_b + seconds)
        return make_comparison(sync, self.pid_a, self.pid_b, self.curves_a, self.curves_b, self.t_a, self.t_b,
                               self.nudged_s + seconds)


def _stats(name, values, t, t0, t1) -> dict:
    s = summarise(values, t, t0, t1, joint_range=usual_range(name))
    reps = s["reps"] if s["reps_doubt"] is None else float("nan")
    cadence = s["cycles_per_min"] if s["rate_doubt"] is None else float("nan")
    return {"min": s["min"], "max": s["max"], "range": s["range"], "reps": reps, "cadence": cadence}


def make_comparison(sync, pid_a, pid_b, curves_a, curves_b, t_a, t_b, nudged_s: float = 0.0) -> Comparison:
    a_idx, b_idx = matching_frames(t_a, t_b, sync)
    b_for_a = np.full(len(t_a), -1, dtype=np.int64)
    b_for_a[a_idx] = b_idx
    numbers = {}
    if a_idx.size:  # over the moments both clips show
        a0, a1 = float(t_a[a_idx[0]]), float(t_a[a_idx[-1]])
        b0, b1 = float(t_b[b_idx.min()]), float(t_b[b_idx.max()])
        for name in [n for n in curves_a if n in curves_b]:
            numbers[name] = {"A": _stats(name, curves_a[name], t_a, a0, a1),
                             "B": _stats(name, curves_b[name], t_b, b0, b1)}
    return Comparison(sync, pid_a, pid_b, curves_a, curves_b, np.asarray(t_a, float), np.asarray(t_b, float),
                      b_for_a, numbers, nudged_s)


def compare(result_a, pid_a, result_b, mode: str, marks: tuple[float, float] | None = None) -> Comparison:
    """mode: "auto" (one offset, cross-correlation), "dtw" (time warping) or "events" (marks = the same
    moment in A and in B, seconds). Runs on a worker: DTW takes a while."""
    pid_a, curves_a = followed_curves(result_a, pid_a)
    pid_b, curves_b = followed_curves(result_b)
    t_a, t_b = np.asarray(result_a.timestamps, float), np.asarray(result_b.timestamps, float)
    names = synclib.shared_angles(curves_a, curves_b) or None
    sync = synclib.sync_by(mode, curves_a, t_a, curves_b, t_b, names, marks)
    return make_comparison(sync, pid_a, pid_b, curves_a, curves_b, t_a, t_b)


def fixed_offset(offset_s: float):
    """A sync by a given offset, before any is computed (B's frames shown at A's time)."""
    return synclib.SyncResult(float(offset_s), float("nan"), "none", ())


def sync_text(c: Comparison) -> str:
    """One line: how B is put on A's clock."""
    s = c.sync
    how = {"correlation": "automatic (one offset)", "dtw": "time-warped to A (different speeds)",
           "events": "from the marked moments", "none": "not synced yet"}.get(s.method, s.method)
    offset = f"B {s.offset_s:+.3f} s" + (" (median along the warp)" if s.method == "dtw" else "")
    nudge = f", nudged {c.nudged_s:+.3f} s by hand" if abs(c.nudged_s) > 1e-9 else ""
    before = " before the nudge" if nudge else ""   # the similarity is not worked out again per nudge
    r = f", similarity r = {s.similarity:.2f}{before}" if math.isfinite(s.similarity) else ""
    return f"Sync {how}: {offset}{nudge}{r}"


@dataclass
class CycleRequest:
    result: object
    pid: int | None
    start: float | None = None
    end: float | None = None
    label: str = "A"


def cycles(requests: list[CycleRequest]) -> list[tuple[str, int, object]]:
    """[(label, person, CycleReport)] for each clip: the joint angles' cycles over the range asked."""
    out = []
    for req in requests:
        pid, angles = followed_curves(req.result, req.pid)
        report = person_cycles(req.result.track(pid), req.result.timestamps, tuple(req.result.keypoint_names),
                               angles, start=req.start, end=req.end)
        out.append((req.label, pid, report))
    return out
