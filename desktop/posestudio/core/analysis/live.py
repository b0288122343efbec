"""The live pipeline: the model on the newest frame of a camera or stream, person ids, causally cleaned angles.

Threads: the LiveSource captures on its own thread (and feeds the Recorder, which writes on another);
the model runs on the analysis thread (`start()`), or on the caller's (`run()`, headless). It always
takes the newest frame, so it never falls behind: frames that arrive while it works are dropped (the
recording still has them). Each LivePose carries the frame it was computed for, so an overlay is drawn
on that frame; `on_pose` is called on the analysis thread.

Angles are smoothed with the one-euro filter (kinematics.one_euro), which needs only the past: a joint
turning at 90 deg/s is followed about 29 ms behind (see that module). The zero-lag Butterworth of a
finished clip needs the future.

`finish()` stops everything, closes the recording, analyses the frames skipped live from the recorded
file (analysis.live_fill; the live frames keep their poses) and saves the analysis beside the recording
(RECORDING.npz) and in the cache, so the recording opens as an ordinary clip with its analysis.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from posestudio.core.analysis.body import torso_colours
from posestudio.core.analysis.cache import save_cached
from posestudio.core.analysis.identities import PersonTracker
from posestudio.core.analysis.live_fill import fill_skipped
from posestudio.core.analysis.person_angles import available_angles
from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.analysis.result_file import save_result
from posestudio.core.analysis.single_person import SinglePersonTracker
from posestudio.core.errors import PoseStudioError
from posestudio.core.kinematics.angles import compute_angles
from posestudio.core.kinematics.one_euro import OneEuroFilter
from posestudio.core.models.pose import Person, PoseEstimator, create_estimator
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE
from posestudio.core.video.live import LiveFrame, LiveSource
from posestudio.core.video.recorder import Recorder, RecordingReport
from posestudio.core.video.source import VideoSource
from posestudio.core.video.source import fingerprint as file_fingerprint

log = logging.getLogger(__name__)

# The next faster model, named when the chosen one cannot keep up (README, Models: frames/s on 2 cores).
FASTER_MODEL = {
    "blazepose-heavy": "blazepose-full", "blazepose-full": "blazepose-lite", "movenet-thunder": "movenet-lightning",
    "movenet-multipose": "movenet-lightning",
}
KEEP_UP_SHARE = 0.9   # analysing fewer than this share of the frames received is not keeping up
KEEP_UP_AFTER_S = 2.0  # judged after this much stream time (start-up bursts and model warm-up excluded)


@dataclass
class LivePose:
    frame: LiveFrame | None                 # the frame the poses were computed for (None once stored)
    people: list[Person]                    # best first, as the model gave them
    person_ids: list[int]                   # stable id of each person
    angles: dict[int, dict[str, float]]     # person id -> angle name -> degrees, one-euro filtered (NaN: unknown)
    latency: float                          # seconds from the frame's arrival to this result


@dataclass
class LiveStats:
    received: int
    analysed: int
    dropped: int
    received_fps: float
    analysed_fps: float
    latency_p50_ms: float
    latency_p95_ms: float

    def lines(self) -> list[str]:
        """The summary `posestudio live` prints, one `name: value` a line."""
        return [f"received_fps: {self.received_fps:.2f}", f"analysed_fps: {self.analysed_fps:.2f}",
                f"dropped: {self.dropped}", f"latency_p50_ms: {self.latency_p50_ms:.1f}",
                f"latency_p95_ms: {self.latency_p95_ms:.1f}"]


@dataclass
class LiveSummary:
    stats: LiveStats
    result: AnalysisResult | None           # every received frame; analysed False where dropped
    recording: RecordingReport | None
    analysis_path: Path | None              # the analysis saved beside the recording
    notes: list[str] = field(default_factory=list)  # sentences for the user (source fault, falling behind...)
    fault: str | None = None                # why the source ended early, if it did
    angles: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (F, P) filtered degrees, by result slot
    latency: np.ndarray | None = None       # (F,) seconds from arrival to result, NaN where not analysed


class LiveAnalysis:
    """One live session: source, model, optional recording (see the module docstring)."""

    def __init__(self, source: LiveSource, model_id: str, *, record_to=None, estimator: PoseEstimator | None = None,
                 on_pose: Callable[[LivePose], None] | None = None, angles=None,
                 min_score: float = DEFAULT_MIN_SCORE, complete: bool = True):
        self.source, self.model_id, self.on_pose, self.min_score = source, model_id, on_pose, min_score
        self.complete = complete  # analyse the skipped frames from the recording at the end
        self.estimator = estimator or create_estimator(model_id)
        self._warm_up(source)
        self.names = tuple(self.estimator.keypoint_set.names)
        self.angles = list(angles) if angles is not None else available_angles(self.names)
        self.recorder = Recorder(record_to, source.nominal_fps) if record_to is not None else None
        if self.recorder is not None:
            source.listeners.append(self.recorder)
        self.tracker = None  # made on the first frame, when the picture size is known
        self._filters: dict[tuple[int, str], OneEuroFilter] = {}
        self._poses: dict[int, LivePose] = {}
        self._latencies: list[float] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.size: tuple[int, int] | None = None  # upright (width, height)
        self.latest: LivePose | None = None
        self.error: BaseException | None = None

    def _warm_up(self, source: LiveSource) -> None:
        """One run on a blank picture: the model's first call is several times slower than the next ones,
        and the first live frame should not pay for it."""
        w, h = (source.width or 640), (source.height or 480)
        self.estimator.estimate(np.zeros((h, w, 3), dtype=np.uint8))
        self.estimator.reset()

    # ----- running -----
    def start(self) -> None:
        """Capture and analyse on their own threads until stop() / finish()."""
        self.source.start()
        self._thread = threading.Thread(target=self._loop_guarded, name="posestudio-live-analysis", daemon=True)
        self._thread.start()

    def run(self, seconds: float | None = None, cancel: threading.Event | None = None) -> LiveSummary:
        """Analyse on this thread until `seconds` of wall time pass, `cancel` is set or the source ends."""
        self.source.start()
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            self._loop(deadline, cancel)
        finally:
            summary = self.finish()
        return summary

    def _loop_guarded(self) -> None:
        try:
            self._loop(None, None)
        except BaseException as exc:  # kept for finish(), which re-raises it on the caller's thread
            log.exception("live analysis failed")
            self.error = exc

    def _loop(self, deadline: float | None, cancel: threading.Event | None) -> None:
        while not self._stop.is_set() and not (cancel is not None and cancel.is_set()):
            if deadline is not None and time.monotonic() >= deadline:
                break
            frame = self.source.take(timeout=0.05)
            if frame is None:
                if self.source.ended.is_set():
                    break
                continue
            self._analyse(frame)

    def _analyse(self, frame: LiveFrame) -> LivePose:
        rgb = frame.rgb()
        if self.tracker is None:
            self.size = (rgb.shape[1], rgb.shape[0])
            self.tracker = (SinglePersonTracker() if self.estimator.max_people <= 1
                            else PersonTracker(fps=self.source.nominal_fps, frame_size=self.size))
        people = self.estimator.estimate(rgb)[: self.estimator.max_people]
        kps, boxes = [p.keypoints for p in people], [p.box for p in people]
        ids = [int(i) for i in self.tracker.update(kps, boxes, frame.time,
                                                   appearance=torso_colours(rgb, kps, boxes))]
        # a person the tracker has not confirmed yet (-1) gets no filter state: it would mix people
        angles = {pid: self._filtered_angles(pid, p.keypoints, frame.time) for p, pid in zip(people, ids) if pid >= 0}
        pose = LivePose(frame, people, ids, angles, time.monotonic() - frame.received)
        with self._lock:
            self._poses[frame.index] = LivePose(None, people, ids, angles, pose.latency)  # no picture kept
            self._latencies.append(pose.latency)
            self.latest = pose
        if self.on_pose is not None:
            self.on_pose(pose)
        return pose

    def _filtered_angles(self, pid: int, keypoints: np.ndarray, t: float) -> dict[str, float]:
        raw = compute_angles(keypoints[None], self.names, self.angles, self.min_score, frame_size=self.size)
        out = {}
        for name, values in raw.items():
            f = self._filters.get((pid, name))
            if f is None:
                f = self._filters[(pid, name)] = OneEuroFilter()
            out[name] = f(float(values[0]), t)
        return out

    # ----- counters -----
    def stats(self) -> LiveStats:
        """The counters so far (any thread). After finish(), analysed + dropped == received."""
        with self._lock:
            analysed, lat = len(self._poses), np.array(self._latencies, dtype=np.float64)
        received = self.source.received
        fps = self.source.received_fps
        p50, p95 = (np.percentile(lat, [50, 95]) * 1000.0) if lat.size else (float("nan"), float("nan"))
        return LiveStats(received, analysed, received - analysed if self.source.ended.is_set() else self.source.dropped,
                         fps, fps * analysed / received if received else 0.0, float(p50), float(p95))

    def advice(self) -> str | None:
        """A sentence when the model does not keep up with the frames arriving, naming a faster model."""
        stats = self.stats()
        times = self.source.times
        if not times or times[-1] - times[0] < KEEP_UP_AFTER_S or stats.analysed >= KEEP_UP_SHARE * stats.received:
            return None
        faster = FASTER_MODEL.get(self.model_id)
        then = (f"choose {faster}, which is faster" if faster
                else "lower the camera's frame rate or resolution; no model is faster")
        return (f"{self.model_id} analyses {stats.analysed_fps:.0f} of the {stats.received_fps:.0f} frames a second "
                f"that arrive, so it shows every {stats.received_fps / max(stats.analysed_fps, 1e-9):.1f}th frame; "
                f"{then}.")

    # ----- the end -----
    def stop(self) -> None:
        """Ask the capture and analysis to stop (returns at once; finish() waits and saves)."""
        self._stop.set()

    def finish(self, progress: Callable[[int, int], None] | None = None,
               cancel: threading.Event | None = None) -> LiveSummary:
        """Stop, close the recording, complete and save the analysis beside it and in the cache; the summary.

        progress(done, total) and cancel are for completing the skipped frames (cancel: the analysis is
        saved beside the recording as it was live, with those frames not analysed, and not cached)."""
        self._stop.set()
        self.source.stop()
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            if self.recorder is not None:
                self.recorder.close()
            raise self.error
        stats = self.stats()
        notes = [self.source.fault] if self.source.fault else []
        advice = self.advice()
        if advice:
            notes.append(advice)
        report = self.recorder.close() if self.recorder is not None else None
        result = self._result(report)
        angles, latency = self._per_frame(result)
        path = None
        if report is not None:
            if report.error:
                notes.append(report.error)
            path = self._save(result, report, notes, progress, cancel)
        return LiveSummary(stats, result, report, path, notes, self.source.fault, angles, latency)

    def _per_frame(self, result: AnalysisResult | None) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        if result is None:
            return {}, None
        shape = (result.frame_count, result.max_people)
        angles = {a.name: np.full(shape, np.nan) for a in self.angles}
        latency = np.full(result.frame_count, np.nan)
        for index, pose in self._poses.items():
            latency[index] = pose.latency
            for slot, pid in enumerate(pose.person_ids):
                for name, value in pose.angles.get(pid, {}).items():
                    angles[name][index, slot] = value
        return angles, latency

    def _result(self, report: RecordingReport | None) -> AnalysisResult | None:
        n = self.source.received
        if n == 0 or self.size is None:
            return None
        kset = self.estimator.keypoint_set
        dropped = n - len(self._poses)
        note = (f"Live analysis: {len(self._poses)} of {n} frames were analysed; the others arrived while the "
                f"model was busy. Analyse the clip again for every frame." if dropped else None)
        width, height = self.size
        recorded = report is not None and report.path is not None
        result = AnalysisResult.empty(
            n, self.estimator.max_people, self.names, with_world=kset.name == "blazepose33",
            model_id=self.model_id, keypoint_set=kset.name,
            video_path=str(report.path) if recorded else self.source.spec,
            fingerprint=file_fingerprint(report.path) if recorded else "",
            width=int(width), height=int(height), fps=float(self.source.received_fps or self.source.nominal_fps),
            note=note)
        result.timestamps[:] = self.source.times[:n]
        for index, pose in self._poses.items():
            for slot, (person, pid) in enumerate(zip(pose.people, pose.person_ids)):
                result.keypoints[index, slot] = person.keypoints
                result.person_scores[index, slot] = person.score
                result.person_ids[index, slot] = pid
                if result.world is not None and person.world is not None:
                    result.world[index, slot] = person.world
            result.analysed[index] = True
        return result

    def _save(self, result: AnalysisResult | None, report: RecordingReport, notes: list[str], progress,
              cancel) -> Path | None:
        if result is None or report.path is None:
            return None
        if report.frames != result.frame_count:
            notes.append(f"The recording has {report.frames} of the {result.frame_count} frames received (the "
                         f"machine could not encode them all), so the live analysis is not saved beside it; "
                         f"analyse the recording instead.")
            return None
        if self.complete and not result.complete:
            try:
                with VideoSource(report.path) as recorded:
                    filled = fill_skipped(result, recorded, self.estimator, progress=progress, cancel=cancel)
                result.note = (f"Live analysis: {result.frame_count - filled} of {result.frame_count} frames were "
                               f"analysed live; the {filled} that arrived while the model was busy were analysed "
                               f"from the recording afterwards.")
            except PoseStudioError as exc:  # cancelled, or the recording cannot be read back
                log.warning("completing the live analysis failed", exc_info=True)
                notes.append(f"{exc} The live analysis is saved with the frames it skipped left out.")
        path = save_result(result, report.path.with_suffix(".npz"))
        if not result.complete:
            return path  # the cache keeps complete analyses only: the clip will be analysed when opened
        try:
            save_cached(result)
        except OSError:  # a read-only cache only means the recording is analysed again when opened
            log.warning("cannot cache the live analysis of %s", report.path, exc_info=True)
        return path
