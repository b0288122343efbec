"""`posestudio live SOURCE`: the live pipeline without a window, on a camera or a network stream.

Prints at the end exactly these lines on stdout: received_fps, analysed_fps, dropped, latency_p50_ms,
latency_p95_ms. Notes (the stream ended early, the model cannot keep up) go to stderr. Exit code 0, or 1
when the source failed or ended before --seconds were up (everything received so far is saved), 2 when
it cannot be opened at all.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
from pathlib import Path

from posestudio.core.errors import PoseStudioError

EXIT_SOURCE_FAULT = 1


def register(subparsers) -> None:
    from posestudio.core.models.registry import MODEL_IDS

    p = subparsers.add_parser(
        "live", help="analyse a camera or network stream live, without a window",
        description="Run the model on the newest frame of a camera or stream, optionally record it (H.264 MP4, "
                    "with its analysis saved beside it and cached) and write the live poses and angles. Ctrl+C "
                    "stops and saves (a second Ctrl+C skips analysing the frames skipped live).")
    p.add_argument("source", metavar="SOURCE",
                   help="camera number (0) or device (/dev/video0), or a stream address: rtsp://, http://, "
                        "udp://, tcp:// (MPEG-TS)")
    p.add_argument("--model", "-m", default="movenet-lightning", choices=MODEL_IDS,
                   help="pose model (default movenet-lightning: one model run a frame whatever happens; BlazePose "
                        "also runs its person detector whenever it loses the person)")
    p.add_argument("--seconds", metavar="N", help="stop after N seconds (default: until Ctrl+C or the stream ends)")
    p.add_argument("--record", metavar="OUT.mp4", help="record every frame received to this H.264 MP4")
    p.add_argument("--data", metavar="OUT.json",
                   help="write the analysed frames: keypoints, person ids, live-filtered angles, latency")
    p.set_defaults(func=run)


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise PoseStudioError(f"--seconds {text} is not a positive number of seconds; give e.g. --seconds 10.")
    return value


def run(args: argparse.Namespace) -> int:
    from posestudio.core.analysis.live import LiveAnalysis
    from posestudio.core.models.pose import create_estimator
    from posestudio.core.video.live import LiveSource
    from posestudio.core.video.recorder import check_target
    from posestudio.cli.analyze_cmd import ProgressBar

    seconds = _seconds(args.seconds)
    if args.record:
        check_target(args.record)
    if args.data and Path(args.data).suffix.lower() != ".json":
        raise PoseStudioError(f"The data file {Path(args.data).name} must be .json; name it e.g. live.json.")
    estimator = create_estimator(args.model)  # a missing model: one sentence before the source is opened
    source = LiveSource(args.source)
    cancel, cancel_completion = threading.Event(), threading.Event()

    def interrupted(*_) -> None:  # Ctrl+C stops and saves; a second one skips completing the recording's analysis
        (cancel_completion if cancel.is_set() else cancel).set()

    previous = signal.signal(signal.SIGINT, interrupted)
    bar = None
    try:
        try:
            live = LiveAnalysis(source, args.model, record_to=args.record, estimator=estimator)
        except BaseException:
            source.stop()
            raise
        if args.record:
            bar = ProgressBar(f"analysing the frames skipped live in {Path(args.record).name}",
                              enabled=sys.stderr.isatty())
        summary = live.run(seconds, cancel, progress=bar, cancel_completion=cancel_completion)
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar is not None:
            bar.close()
    if args.data and summary.result is not None:
        _write_data(summary, args.data)
    for line in summary.stats.lines():
        print(line)
    for note in summary.notes:
        print(f"posestudio: {note}", file=sys.stderr)
    recording = summary.recording
    if recording is not None and recording.report.path is not None:
        saved = f" and its analysis to {recording.analysis_path}" if recording.analysis_path else ""
        print(f"posestudio: recorded {recording.report.frames} frames to {recording.report.path}{saved}.",
              file=sys.stderr)
    failed = summary.fault is not None and not cancel.is_set()
    return EXIT_SOURCE_FAULT if failed or (recording is not None and recording.report.error) else 0


def _write_data(summary, path) -> None:
    """The analyze JSON layout with the live-filtered angles, for the analysed frames only, plus the counters."""
    from posestudio.core.atomic import atomic_path
    from posestudio.core.io.json_format import to_json_dict

    result = summary.result
    data = to_json_dict(result, extra=summary.angles)
    frames = []
    for frame in data["frames"]:
        i = frame["index"]
        if result.analysed[i]:
            frame["latency_ms"] = round(float(summary.latency[i]) * 1000.0, 2)
            frames.append(frame)
    data["frames"] = frames
    stats = summary.stats
    data["live"] = {"received": stats.received, "analysed": stats.analysed, "dropped": stats.dropped,
                    "received_fps": round(stats.received_fps, 3), "analysed_fps": round(stats.analysed_fps, 3),
                    "latency_p50_ms": _finite(stats.latency_p50_ms), "latency_p95_ms": _finite(stats.latency_p95_ms),
                    "angle_filter": "one-euro (causal)"}
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, separators=(",", ":"), allow_nan=False)


def _finite(value: float) -> float | None:
    return round(value, 2) if math.isfinite(value) else None
