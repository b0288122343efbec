"""Live latency: the live pipeline on a 720p 30 fps stream served on 127.0.0.1, per model.

    python -m posestudio.bench.live_latency [--seconds 15] [--record] [--models ID ...]
    python -m posestudio.bench.live_latency --filter   # what the live angle filter costs and buys

Serves the dumbbell clip (1280x720, 29.97 fps) as MPEG-TS over TCP at its real-time rate (bench.stream_serve,
in a subprocess: remuxed, so serving costs almost no CPU) and runs LiveAnalysis on it. Prints, per model,
the frames received and analysed per second, frames dropped (arrived while the model was busy; never
queued: the hand-over holds one frame), the latency from a frame's arrival to its result, and how much of
it the model itself took (median).

--filter analyses the clip with Lightning and compares, per arm angle, the live (one-euro) curve with the
window's zero-lag cleaned one: the shift that matches them best (the filter's lag), and the frame-to-frame
jitter (standard deviation of the second difference) of the raw and the live curve.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from posestudio.bench.stream_serve import free_port, listening
from posestudio.core.analysis.live import LiveAnalysis
from posestudio.core.analysis.person_angles import main_person
from posestudio.core.analysis.run import analyse_video
from posestudio.core.kinematics.angles import compute_angles
from posestudio.core.kinematics.filtering import smooth
from posestudio.core.kinematics.one_euro import OneEuroFilter
from posestudio.core.paths import repo_root
from posestudio.core.video.live import LiveSource

CLIP = "sports2d_demo5_dumbbell_lateral_raise.mp4"
MODELS = ("movenet-lightning", "blazepose-lite", "blazepose-full")
COLUMNS = ("model", "received_fps", "analysed_fps", "dropped", "received", "latency_p50_ms", "latency_p95_ms",
           "model_p50_ms")


def default_clip() -> Path:
    root = repo_root()
    return (root.parent if root else Path.cwd().parent) / "shared" / "data" / "videos" / CLIP


def measure(clip: Path, model_id: str, seconds: float, record: Path | None = None) -> dict:
    """One run of `seconds` of stream; the server is always torn down."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "posestudio.bench.stream_serve", str(clip), url,
                               "--seconds", str(seconds + 5), "--loop"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the stream server did not start")
            time.sleep(0.05)
        live = LiveAnalysis(LiveSource(url), model_id, record_to=record, complete=False)
        stats = live.run(seconds).stats
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()
    return {"model": model_id, "received_fps": round(stats.received_fps, 2),
            "analysed_fps": round(stats.analysed_fps, 2), "dropped": stats.dropped, "received": stats.received,
            "latency_p50_ms": round(stats.latency_p50_ms, 1), "latency_p95_ms": round(stats.latency_p95_ms, 1),
            "model_p50_ms": round(stats.model_p50_ms, 1)}


def filter_rows(clip: Path, model_id: str = "movenet-lightning") -> list[dict]:
    result = analyse_video(clip, model_id)
    t = result.timestamps
    raw_angles = compute_angles(result.track(main_person(result)), result.keypoint_names,
                                frame_size=(result.width, result.height))
    rows = []
    for name, raw in raw_angles.items():
        if not ("shoulder" in name or "elbow" in name) or np.isnan(raw).mean() > 0.2:
            continue
        f = OneEuroFilter()
        live = np.array([f(x, s) for x, s in zip(raw, t)])
        ref = smooth(raw, t)

        def mismatch(k: int) -> float:
            d = live[k:] - ref[: ref.size - k]
            return float(np.nanmean(d ** 2))

        lag = min(range(8), key=mismatch)
        rows.append({"angle": name, "lag_frames": lag, "lag_ms": round(1000 * lag / result.fps),
                     "jitter_raw": round(float(np.nanstd(np.diff(raw, 2))), 2),
                     "jitter_live": round(float(np.nanstd(np.diff(live, 2))), 2)})
    return rows


def _table(rows: list[dict]) -> None:
    columns = list(rows[0]) if rows else []
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="live_latency", description=__doc__.splitlines()[0])
    p.add_argument("--clip", type=Path, default=None, help=f"video to serve (default the shared {CLIP})")
    p.add_argument("--seconds", type=float, default=15.0, help="stream time per model (default 15)")
    p.add_argument("--record", action="store_true", help="also record each run (H.264, to a temporary folder)")
    p.add_argument("--models", nargs="+", default=list(MODELS))
    p.add_argument("--filter", action="store_true", help="measure the live angle filter instead (lag, jitter)")
    args = p.parse_args(argv)
    clip = args.clip or default_clip()
    if not clip.is_file():
        print(f"live_latency: {clip} not found; give --clip.", file=sys.stderr)
        return 2
    if args.filter:
        _table(filter_rows(clip))
        return 0
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    with tempfile.TemporaryDirectory() as tmp:
        for model_id in args.models:
            record = Path(tmp) / f"{model_id}.mp4" if args.record else None
            row = measure(clip, model_id, args.seconds, record)
            print("| " + " | ".join(str(row[c]) for c in COLUMNS) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
