"""What the live pipeline keeps per frame, turned into an AnalysisResult; a finished recording's analysis
completed from the file and saved beside it (RECORDING.npz) and in the cache.

Saved this way, a recording opens as an ordinary clip whose analysis is found at once. Frames skipped live
are analysed from the recorded file first (analysis.live_fill); the live frames keep their poses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from posestudio.core.analysis.cache import save_cached
from posestudio.core.analysis.live_fill import fill_skipped
from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.analysis.result_file import save_result
from posestudio.core.errors import PoseStudioError
from posestudio.core.video.recorder import RecordingReport
from posestudio.core.video.source import VideoSource
from posestudio.core.video.source import fingerprint as file_fingerprint

log = logging.getLogger(__name__)


@dataclass
class RecordingSummary:
    report: RecordingReport
    result: AnalysisResult | None      # the recording's analysis: its frame 0 is the recording's first frame
    analysis_path: Path | None         # RECORDING.npz, None when it could not be saved
    notes: list[str] = field(default_factory=list)  # sentences for the user


def poses_to_result(poses: dict, first: int, count: int, times, estimator, model_id: str, size, fps: float,
                    video_path: str, fingerprint: str) -> AnalysisResult:
    """An AnalysisResult of source frames first..first+count-1 from `poses` (index -> LivePose); frames with
    no entry are not analysed. Times count from the first of them."""
    kset = estimator.keypoint_set
    result = AnalysisResult.empty(
        count, estimator.max_people, kset.names, with_world=kset.name == "blazepose33",
        model_id=model_id, keypoint_set=kset.name, video_path=video_path, fingerprint=fingerprint,
        width=int(size[0]), height=int(size[1]), fps=float(fps), note=None)
    result.timestamps[:] = [t - times[first] for t in times[first:first + count]]
    for index in range(first, first + count):
        pose = poses.get(index)
        if pose is None:
            continue
        for slot, (person, pid) in enumerate(zip(pose.people, pose.person_ids)):
            result.put_person(index - first, slot, person, pid)
        result.analysed[index - first] = True
    return result


def save_recording_analysis(report: RecordingReport, poses: dict, times, estimator, model_id: str, size, fps: float,
                            complete: bool = True, progress=None, cancel=None) -> RecordingSummary:
    """The analysis of a closed recording, completed from the file when `complete`, saved beside it and cached."""
    notes = [report.error] if report.error else []
    if report.path is None or size is None:
        return RecordingSummary(report, None, None, notes)
    if report.lost:
        notes.append(f"{report.lost} frames could not be encoded in time, so the live analysis does not line up "
                     f"with the recording and is not saved beside it; analyse the recording instead.")
        return RecordingSummary(report, None, None, notes)
    result = poses_to_result(poses, report.first_index, report.frames, times, estimator, model_id, size, fps,
                             str(report.path), file_fingerprint(report.path))
    live_count = int(result.analysed.sum())
    if complete and not result.complete:
        try:
            with VideoSource(report.path) as recorded:
                filled = fill_skipped(result, recorded, estimator, progress=progress, cancel=cancel)
            result.note = (f"Live analysis: {live_count} of {result.frame_count} frames were analysed live; the "
                           f"{filled} that arrived while the model was busy were analysed from the recording.")
        except PoseStudioError as exc:  # cancelled, or the recording cannot be read back
            log.warning("completing the live analysis of %s failed", report.path, exc_info=True)
            notes.append(f"{exc} The analysis is saved with the frames skipped live left out.")
    if not result.complete:
        result.note = (f"Live analysis: {live_count} of {result.frame_count} frames were analysed; the others "
                       f"arrived while the model was busy. Analyse the clip again for every frame.")
    path = save_result(result, report.path.with_suffix(".npz"))
    if result.complete:  # the cache keeps complete analyses only: otherwise the clip is analysed when opened
        try:
            save_cached(result)
        except OSError:  # a read-only cache only means the recording is analysed again when opened
            log.warning("cannot cache the live analysis of %s", report.path, exc_info=True)
    return RecordingSummary(report, result, path, notes)
