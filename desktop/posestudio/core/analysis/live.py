"""The live pipeline: the model on the newest frame of a camera or stream, person ids, causally cleaned angles.

Threads: the LiveSource captures on its own thread (and feeds the Recorder, which writes on another);
the model runs on the analysis thread (`start()`), or on the caller's (`run()`, headless). It always
takes the newest frame, so it never falls behind: frames that arrive while it works are dropped (the
recording still has them). Each LivePose carries the frame it was computed for, so an overlay is drawn
on that frame; `on_pose` is called on the analysis thread.

Angles are smoothed with the one-euro filter (kinematics.one_euro), which needs only the past: a joint
turning at 90 deg/s is followed about 29 ms behind (see that module). The zero-lag Butterworth of a
finished clip needs the future.

Recording: `start_recording(path)` / `stop_recording()` at any time (or record_to= from the first
frame). Every frame received is written (video.recorder); on stop the frames skipped live are analysed
from the file and the analysis is saved beside it (RECORDING.npz) and in the cache, so the recording
opens as an ordinary clip with its analysis (analysis.live_recording). `finish()` ends the session.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from posestudio.core.analysis.body import torso_colours
from posestudio.core.analysis.identities import PersonTracker
from posestudio.core.analysis.live_recording import RecordingSummary, poses_to_result, save_recording_analysis
from posestudio.core.analysis.person_angles import available_angles
from posestudio.core.analysis.result import AnalysisResult
from posestudio.core.analysis.single_person import SinglePersonTracker
from posestudio.core.errors import PoseStudioError
from posestudio.core.kinematics.angles import compute_angles
from posestudio.core.kinematics.one_euro import OneEuroFilter
from posestudio.core.models.pose import Person, PoseEstimator, create_estimator
from posestudio.core.models.skeleton import DEFAULT_MIN_SCORE
from posestudio.core.video.live import LiveFrame, LiveSource
from posestudio.core.video.recorder import Recorder

log = logging.getLogger(__name__)

# The next faster model, named when the chosen one cannot keep up (README, Models: frames/s on 2 cores:
# lite 139, lightning 111, full 104, thunder 47, heavy 33, multipose 25); lite has none faster.
FASTER_MODEL = {
    "blazepose-heavy": "blazepose-full", "blazepose-full": "blazepose-lite", "movenet-thunder": "movenet-lightning",
    "movenet-multipose": "movenet-lightning", "movenet-lightning": "blazepose-lite",
}
KEEP_UP_SHARE = 0.9   # analysing fewer than this share of the frames received is not keeping up
KEEP_UP_AFTER_S = 2.0  # judged after this much stream time (start-up bursts and model warm-up excluded)


@dataclass
class LivePose:
    frame: LiveFrame                        # the frame the poses were computed for
    people: list[Person]                    # best first, as the model gave them
    person_ids: list[int]                   # stable id of each person
    angles: dict[int, dict[str, float]]     # person id -> angle name -> degrees, one-euro filtered (NaN: unknown)
    latency: float                          # seconds from the frame's arrival to this result
    picture: np.ndarray                     # the upright RGB the model saw, to draw on


class _Kept(NamedTuple):
    """What is kept of each analysed frame for the end of the session: no picture, angles as arrays."""
    people: list[Person]
    person_ids: list[int]
    angles: dict[int, np.ndarray]           # person id -> float32 degrees in the order of LiveAnalysis.angles
    latency: float


@dataclass
class LiveStats:
    received: int
    analysed: int
    dropped: int
    received_fps: float
    analysed_fps: float
    latency_p50_ms: float
    latency_p95_ms: float
    model_p50_ms: float = float("nan")   # of which the model itself (the rest: waiting, conversion, ids, angles)

    def lines(self) -> list[str]:
        """The summary `posestudio live` prints, one `name: value` a line."""
        return [f"received_fps: {self.received_fps:.2f}", f"analysed_fps: {self.analysed_fps:.2f}",
                f"dropped: {self.dropped}", f"latency_p50_ms: {self.latency_p50_ms:.1f}",
                f"latency_p95_ms: {self.latency_p95_ms:.1f}"]


@dataclass
class LiveSummary:
    stats: LiveStats
    result: AnalysisResult | None           # the whole session, every received frame; analysed False where dropped
    recording: RecordingSummary | None      # the recording running at the end, if any
    notes: list[str] = field(default_factory=list)  # sentences for the user (source fault, falling behind...)
    fault: str | None = None                # why the source ended early, if it did
    angles: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (F, P) filtered degrees, by result slot
    latency: np.ndarray | None = None       # (F,) seconds from arrival to result, NaN where not analysed


class LiveAnalysis:
    """One live session: source, model, optional recording (see the module docstring)."""

    def __init__(self, source: LiveSource, model_id: str, *, record_to=None, estimator: PoseEstimator | None = None,
                 on_pose: Callable[[LivePose], None] | None = None, angles=None,
                 min_score: float = DEFAULT_MIN_SCORE, complete: bool = True,
                 on_end: Callable[[str | None], None] | None = None):
        self.source, self.model_id, self.on_pose, self.min_score = source, model_id, on_pose, min_score
        self.complete = complete  # analyse the skipped frames from the recording at the end
        self.on_end = on_end      # the analysis thread ended by itself: the sentence why (call finish())
        self.estimator = estimator or create_estimator(model_id)
        self._warm_up(source)
        self.names = tuple(self.estimator.keypoint_set.names)
        self.angles = list(angles) if angles is not None else available_angles(self.names)
        self.recorder: Recorder | None = None
        if record_to is not None:
            self.start_recording(record_to)
        self.tracker = None  # made on the first frame, when the picture size is known
        self._filters: dict[tuple[int, str], OneEuroFilter] = {}
        self._poses: dict[int, _Kept] = {}
        self._latencies: list[float] = []
        self._model_times: list[float] = []
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
        if self._thread is not None:
            return
        self.source.start()
        self._thread = threading.Thread(target=self._loop_guarded, name="posestudio-live-analysis", daemon=True)
        self._thread.start()

    def run(self, seconds: float | None = None, cancel: threading.Event | None = None, *,
            progress: Callable[[int, int], None] | None = None,
            cancel_completion: threading.Event | None = None) -> LiveSummary:
        """Analyse on this thread until `seconds` of wall time pass, `cancel` is set or the source ends; then
        finish(progress, cancel_completion)."""
        self.source.start()
        deadline = None if seconds is None else time.monotonic() + seconds
        try:
            self._loop(deadline, cancel)
        finally:
            summary = self.finish(progress, cancel_completion)
        return summary

    def _loop_guarded(self) -> None:
        why = None
        try:
            self._loop(None, None)
            why = self.source.fault
        except BaseException as exc:  # kept for finish(), which re-raises it on the caller's thread
            log.exception("live analysis failed")
            self.error = exc
            why = str(exc) if isinstance(exc, PoseStudioError) else \
                f"The live analysis failed ({exc.__class__.__name__}); see the log for details."
        if self.on_end is not None and not self._stop.is_set():
            self.on_end(why)

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
        began = time.monotonic()
        people = self.estimator.estimate(rgb)[: self.estimator.max_people]
        model_time = time.monotonic() - began
        kps, boxes = [p.keypoints for p in people], [p.box for p in people]
        ids = [int(i) for i in self.tracker.update(kps, boxes, frame.time,
                                                   appearance=torso_colours(rgb, kps, boxes))]
        # a person the tracker has not confirmed yet (-1) gets no filter state: it would mix people
        angles = {pid: self._filtered_angles(pid, p.keypoints, frame.time) for p, pid in zip(people, ids) if pid >= 0}
        pose = LivePose(frame, people, ids, angles, time.monotonic() - frame.received, rgb)
        with self._lock:
            self._poses[frame.index] = _Kept(people, ids, {pid: np.array(list(a.values()), dtype=np.float32)
                                                           for pid, a in angles.items()}, pose.latency)
            self._latencies.append(pose.latency)
            self._model_times.append(model_time)
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
            model = np.array(self._model_times, dtype=np.float64)
        received = self.source.received
        fps = self.source.received_fps
        p50, p95 = (np.percentile(lat, [50, 95]) * 1000.0) if lat.size else (float("nan"), float("nan"))
        model_p50 = float(np.median(model) * 1000.0) if model.size else float("nan")
        return LiveStats(received, analysed, received - analysed if self.source.ended.is_set() else self.source.dropped,
                         fps, fps * analysed / received if received else 0.0, float(p50), float(p95), model_p50)

    def advice(self) -> str | None:
        """A sentence when the model does not keep up with the frames arriving, naming a faster model."""
        stats = self.stats()
        times = self.source.times
        if not times or times[-1] - times[0] < KEEP_UP_AFTER_S or stats.analysed >= KEEP_UP_SHARE * stats.received:
            return None
        faster = FASTER_MODEL.get(self.model_id)
        then = (f"choose {faster}, which is faster" if faster
                else "lower the camera's frame rate or resolution; no model is faster")
        return (f"{self.model_id} keeps up with only {stats.analysed_fps:.0f} of the {stats.received_fps:.0f} frames "
                f"a second that arrive (one in {stats.received_fps / max(stats.analysed_fps, 1e-9):.1f}); {then}.")

    # ----- the end -----
    def stop(self) -> None:
        """Ask the capture and analysis to stop (returns at once; finish() waits and saves)."""
        self._stop.set()

    def finish(self, progress: Callable[[int, int], None] | None = None,
               cancel: threading.Event | None = None) -> LiveSummary:
        """Stop capture and analysis, then stop_recording(progress, cancel) if one runs; the session's summary."""
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
        recording = self.stop_recording(progress, cancel) if self.recorder is not None else None
        if recording is not None:
            notes += recording.notes
        result = None
        if self.source.received and self.size is not None:
            result = poses_to_result(self._poses, 0, self.source.received, self.source.times, self.estimator,
                                     self.model_id, self.size, stats.received_fps or self.source.nominal_fps,
                                     self.source.spec, "")
        angles, latency = self._per_frame(result)
        return LiveSummary(stats, result, recording, notes, self.source.fault, angles, latency)

    # ----- recording -----
    def start_recording(self, path) -> None:
        """Record every frame from the next one on to `path` (.mp4); raises RecordingError with a sentence."""
        if self.recorder is not None:
            raise PoseStudioError("A recording is already running; stop it before starting another.")
        self.recorder = Recorder(path, self.source.nominal_fps)
        self.source.add_listener(self.recorder)

    def stop_recording(self, progress: Callable[[int, int], None] | None = None,
                       cancel: threading.Event | None = None) -> RecordingSummary | None:
        """Close the recording and save its analysis beside it and in the cache (blocking: encoding what is
        queued, then analysing the frames skipped live from the file, with progress(done, total); cancel
        leaves those frames out and the analysis uncached). The live analysis goes on. None if none ran."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return None
        self.source.remove_listener(recorder)
        report = recorder.close()
        running = self._thread is not None and self._thread.is_alive()
        # while live analysis goes on, its estimator is busy (and tracks): completing needs its own
        estimator = create_estimator(self.model_id) if running else self.estimator
        return save_recording_analysis(report, self._poses, self.source.times, estimator, self.model_id, self.size,
                                       self.source.received_fps or self.source.nominal_fps, self.complete,
                                       progress, cancel)

    def _per_frame(self, result: AnalysisResult | None) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        if result is None:
            return {}, None
        shape = (result.frame_count, result.max_people)
        angles = {a.name: np.full(shape, np.nan) for a in self.angles}
        latency = np.full(result.frame_count, np.nan)
        names = [a.name for a in self.angles]
        for index, kept in self._poses.items():
            latency[index] = kept.latency
            for slot, pid in enumerate(kept.person_ids):
                if pid in kept.angles:
                    for name, value in zip(names, kept.angles[pid]):
                        angles[name][index, slot] = value
        return angles, latency
