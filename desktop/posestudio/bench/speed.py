"""Speed of decoding, of the model alone, and of the whole analysis, on one clip (`posestudio bench`).

- decode_fps: upright RGB frames from VideoSource.frames(), nothing else.
- inference_fps: estimator.estimate() alone on the clip's own frames in video order (so BlazePose tracks as
  in real use), given what the analysis gives it: the decoder's frame, of which the model converts to RGB
  only the crop it looks at (video/frame.py), and in the configuration the analysis uses, which the status
  line names: where the analysis runs in two segments (core/analysis/segments.py), two one-thread estimators
  side by side on the same two segments (the second's warm-up frames included), chunk by chunk, the wall
  time of the chunks' model runs timed; else one estimator with the sessions' threads. Decoding happens
  outside the timed span.
- analysis_fps: analyse_video() as the app runs it (decode thread + bounded queue + model), from start
  to result, with an estimator created beforehand (loading a model is not per-frame work).
- inference_cpu_ms, analysis_cpu_ms: the process's CPU time per frame (all threads) in those two stages;
  unlike frames/s they hardly move with other programs' load, and their difference is what decoding, the
  queue and the bookkeeping add to the model.
- peak_memory_mb: the process's peak resident set size (getrusage ru_maxrss) after all of the above.
- --repeat N: N rounds of all stages; medians (ratios: median of each round's ratio), for busy machines.
- mediapipe_fps (optional): MediaPipe's own Pose in video mode with the same model size, decoding with
  OpenCV, run by tests/mediapipe_reference/run_mediapipe.py in MediaPipe's separate virtualenv.
"""

from __future__ import annotations

import logging
import os
import re
import resource
import statistics
import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path

from posestudio.core.analysis import segments
from posestudio.core.errors import PoseStudioError
from posestudio.core.models.registry import MEDIAPIPE_COMPLEXITY

log = logging.getLogger(__name__)

WARMUP_FRAMES = 3
CHUNK = 16   # frames per estimator decoded ahead of a timed span of the model alone (about 22 MB at 720p)


class _FirstFrames:
    """A VideoSource seen through a window of its first `limit` frames (so --frames bounds every stage)."""

    def __init__(self, source, limit: int):
        self._source, self._limit = source, limit

    def __getattr__(self, name):
        return getattr(self._source, name)

    @property
    def frame_count(self) -> int:
        return min(self._limit, self._source.frame_count)

    def frames(self, start: int = 0, stop: int | None = None, **kwargs):
        return self._source.frames(start, min(self._limit, stop) if stop is not None else self._limit, **kwargs)


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0  # bytes on macOS, KiB on Linux


def mediapipe_python() -> Path | None:
    """MediaPipe's venv python: $POSESTUDIO_MEDIAPIPE_PYTHON, else .venv-mediapipe beside the checkout."""
    from posestudio.core.paths import repo_root

    env = os.environ.get("POSESTUDIO_MEDIAPIPE_PYTHON")
    candidates = [Path(env)] if env else []
    root = repo_root()
    if root is not None:
        candidates.append(root / ".venv-mediapipe" / "bin" / "python")
    return next((c for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)


def mediapipe_fps(video: Path, model_id: str, frames: int | None = None) -> float:
    """MediaPipe Pose's frames/s on the clip (video mode, same model size, OpenCV decoding)."""
    from posestudio.core.paths import repo_root

    if model_id not in MEDIAPIPE_COMPLEXITY:
        raise PoseStudioError(f"MediaPipe has no counterpart of {model_id}; use --mediapipe with a BlazePose model.")
    python, root = mediapipe_python(), repo_root()
    if python is None or root is None:
        raise PoseStudioError("MediaPipe's reference environment was not found; create it with "
                              "`bash tests/mediapipe_reference/setup_venv.sh` or set POSESTUDIO_MEDIAPIPE_PYTHON.")
    cmd = [str(python), str(root / "tests" / "mediapipe_reference" / "run_mediapipe.py"), str(video), "--bench",
           "--complexity", str(MEDIAPIPE_COMPLEXITY[model_id])]
    if frames is not None:
        cmd += ["--frames", str(frames)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    match = re.search(r"mediapipe_fps:\s*([0-9.]+)", proc.stdout)
    if proc.returncode != 0 or not match:
        log.error("MediaPipe bench failed: %s\n%s", proc.stdout, proc.stderr)
        raise PoseStudioError("MediaPipe's benchmark failed; the log file has its output.")
    return float(match.group(1))


def _one_round(source, estimator, model_id: str, stop: int, limited: bool, say) -> dict[str, float]:
    from posestudio.core.analysis.run import analyse_video

    out = {}
    t0 = time.perf_counter()
    n = sum(1 for _ in source.frames(0, stop))
    out["decode_fps"] = n / (time.perf_counter() - t0)

    target = _FirstFrames(source, stop) if limited else source
    chosen = segments.plan(target, estimator, stop)
    if isinstance(chosen, str):
        from posestudio.core.models.registry import physical_cores

        threads = getattr(estimator, "threads", None) or physical_cores()
        say(f"the analysis runs sequentially ({chosen}): the model alone is one estimator with {threads} "
            f"onnxruntime thread(s)")
        n, spent, cpu = _model_alone(source, [estimator], [(0, stop)])
    else:
        twins, split = chosen
        say(f"the analysis runs two segments at once, frames [0, {split}) and [{split}, {stop}): the model alone "
            f"is two one-thread estimators side by side on the same segments")
        n, spent, cpu = _model_alone(source, twins, [(0, split), (split - segments.WARMUP_FRAMES, stop)])
        n -= segments.WARMUP_FRAMES  # the analysis throws them away: the frames counted are the clip's
    out["inference_fps"] = n / spent
    out["inference_cpu_ms"] = 1e3 * cpu / n

    t0, c0 = time.perf_counter(), time.process_time()
    result = analyse_video(target, model_id, estimator=estimator)
    out["analysis_fps"] = result.frame_count / (time.perf_counter() - t0)
    out["analysis_cpu_ms"] = 1e3 * (time.process_time() - c0) / result.frame_count
    out["analysis_over_inference"] = out["analysis_fps"] / out["inference_fps"]
    return out


def _model_alone(source, estimators, spans) -> tuple[int, float, float]:
    """(model runs, wall seconds, process CPU seconds) of the estimators on their spans of frames, each on
    its own thread when there are several. Frames are decoded CHUNK at a time outside the timed span; within
    a chunk each estimator runs its frames, side by side, and the chunk's wall time counts."""
    for est, (start, stop) in zip(estimators, spans):
        for _i, _t, frame in source.frames(start, min(start + WARMUP_FRAMES, stop), lazy=est.crops_from_planes):
            est.estimate(frame)
        est.reset()
    readers = [source.frames(start, stop, lazy=est.crops_from_planes) for est, (start, stop) in zip(estimators, spans)]
    runs, spent, cpu = 0, 0.0, 0.0
    try:
        while True:
            chunks = [[frame for _i, _t, frame in itertools.islice(r, CHUNK)] for r in readers]
            if not any(chunks):
                return runs, spent, cpu
            c0, t0 = time.process_time(), time.perf_counter()
            if len(estimators) == 1:
                for frame in chunks[0]:
                    estimators[0].estimate(frame)
            else:
                threads = [threading.Thread(target=lambda e=e, c=c: [e.estimate(f) for f in c])
                           for e, c in zip(estimators, chunks)]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
            spent += time.perf_counter() - t0
            cpu += time.process_time() - c0
            runs += sum(len(c) for c in chunks)
    finally:
        for r in readers:
            r.close()


def _median(rounds: list[dict], key: str) -> float:
    return float(statistics.median(r[key] for r in rounds))


def run_benchmark(video, model_id: str, *, frames: int | None = None, mediapipe: bool = False,
                  threads: int | None = None, repeat: int = 1, status=None) -> dict[str, float]:
    """Measure one clip; returns name -> value in the order `posestudio bench` prints them.

    With repeat > 1 every figure is the median over rounds, and the ratios are medians of each round's
    own ratio (the stages of one round run back to back, so a busy machine skews them alike).
    """
    from posestudio.core.models.pose import create_estimator
    from posestudio.core.video.source import VideoSource

    say = status or (lambda msg: None)
    video = Path(video)
    estimator = create_estimator(model_id, threads=threads)
    rounds = []
    with VideoSource(video) as source:
        stop = source.frame_count if frames is None else min(frames, source.frame_count)
        for r in range(max(1, repeat)):
            say(f"round {r + 1}: decoding, model only, whole analysis" + (", MediaPipe" if mediapipe else ""))
            one = _one_round(source, estimator, model_id, stop, frames is not None, say)
            if mediapipe:
                one["mediapipe_fps"] = mediapipe_fps(video, model_id, frames)
                one["ours_over_mediapipe"] = one["analysis_fps"] / one["mediapipe_fps"]
            rounds.append(one)
    keys = ["decode_fps", "inference_fps", "analysis_fps", "analysis_over_inference", "inference_cpu_ms",
            "analysis_cpu_ms"]
    out = {k: _median(rounds, k) for k in keys}
    out["peak_memory_mb"] = _peak_rss_mb()
    if mediapipe:
        out["mediapipe_fps"] = _median(rounds, "mediapipe_fps")
        out["ours_over_mediapipe"] = _median(rounds, "ours_over_mediapipe")
    return out


def people_sweep(video, model_id: str, up_to: int, *, frames: int | None = None, threads: int | None = None,
                 repeat: int = 1, status=None) -> dict[str, float]:
    """What following more people costs: the whole analysis with 1, 2, ... `up_to` people on one clip.

    Per k: analysis_fps_{k}_people (median over rounds), people_per_frame_{k} (how many it found, on
    average: a clip with two people costs little more at 3 than at 2) and, for BlazePose, model runs per
    frame (detector_per_frame_{k}: the scans for people not yet followed; landmark_per_frame_{k}).
    """
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.models.pose import create_estimator
    from posestudio.core.video.source import VideoSource

    say = status or (lambda msg: None)
    out: dict[str, float] = {}
    with VideoSource(Path(video)) as source:
        stop = source.frame_count if frames is None else min(frames, source.frame_count)
        target = _FirstFrames(source, stop) if frames is not None else source
        for k in range(1, up_to + 1):
            estimator = create_estimator(model_id, threads=threads, people=k)
            fps = []
            for r in range(max(1, repeat)):
                say(f"{k} people, round {r + 1}")
                calls, runs = _model_runs(estimator)
                t0 = time.perf_counter()
                result = analyse_video(target, model_id, estimator=estimator)
                fps.append(result.frame_count / (time.perf_counter() - t0))
            out[f"analysis_fps_{k}_people"] = float(statistics.median(fps))
            out[f"people_per_frame_{k}"] = float((result.person_ids >= 0).sum() / max(result.frame_count, 1))
            if getattr(estimator, "detector", None) is not None:  # counts: what a busy machine cannot blur
                after_calls, after_runs = _model_runs(estimator)
                out[f"detector_per_frame_{k}"] = (after_calls - calls) / max(result.frame_count, 1)
                out[f"landmark_per_frame_{k}"] = (after_runs - runs) / max(result.frame_count, 1)
    return out


def _model_runs(estimator) -> tuple[int, int]:
    """Detector and landmark runs so far of a BlazePose estimator and of the one-thread twins the analysis'
    two segments run on (core.models.pose.one_thread_twins), which do the work when the clip is split."""
    parts = [estimator] + list(getattr(estimator, "_twins", None) or [])
    detector = sum(p.detector.calls for p in parts if getattr(p, "detector", None) is not None)
    landmarks = sum(p.landmarks.calls for p in parts if getattr(p, "landmarks", None) is not None)
    return detector, landmarks


def segments_ab(video, model_id: str, rounds: int = 3, status=None) -> dict[str, float]:
    """The whole analysis sequential (one decode thread, one estimator of the sessions' threads) against two
    segments at once, alternating in one process (ABBA...); medians of frames/s and process CPU ms a frame."""
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.models.pose import create_estimator
    from posestudio.core.video.source import VideoSource

    say = status or (lambda msg: None)
    estimator = create_estimator(model_id)
    runs: dict[str, list] = {"sequential": [], "two_segments": []}
    with VideoSource(Path(video)) as source:
        analyse_video(source, model_id, estimator=estimator, two_segments=True)  # loads every session once
        for r in range(max(1, rounds)):
            for two in (False, True) if r % 2 == 0 else (True, False):
                t0, c0 = time.perf_counter(), time.process_time()
                result = analyse_video(source, model_id, estimator=estimator, two_segments=two)
                fps = result.frame_count / (time.perf_counter() - t0)
                cpu = 1e3 * (time.process_time() - c0) / result.frame_count
                say(f"round {r + 1}, {'two segments' if two else 'sequential'}: {fps:.1f} frames/s, {cpu:.2f} CPU ms")
                runs["two_segments" if two else "sequential"].append((fps, cpu))
    out = {}
    for name, values in runs.items():
        out[f"{name}_fps"] = float(statistics.median(v[0] for v in values))
        out[f"{name}_cpu_ms"] = float(statistics.median(v[1] for v in values))
    out["two_over_sequential"] = out["two_segments_fps"] / out["sequential_fps"]
    return out


if __name__ == "__main__":  # python -m posestudio.bench.speed VIDEO MODEL [ROUNDS]
    for key, value in segments_ab(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3,
                                  status=lambda msg: print(msg, file=sys.stderr, flush=True)).items():
        print(f"{key}: {value:.2f}")
