"""Live latency: the live pipeline on a 720p 30 fps stream served on 127.0.0.1, per model.

    python -m posestudio.bench.live_latency [--seconds 15] [--record] [--models ID ...]

Serves the dumbbell clip (1280x720, 29.97 fps) as MPEG-TS over TCP at its real-time rate (bench.stream_serve,
in a subprocess: remuxed, so serving costs almost no CPU) and runs LiveAnalysis on it. Prints, per model,
the frames received and analysed per second, frames dropped (arrived while the model was busy; never
queued: the hand-over holds one frame) and the latency from a frame's arrival to its result.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from posestudio.bench.stream_serve import free_port, listening
from posestudio.core.analysis.live import LiveAnalysis
from posestudio.core.paths import repo_root
from posestudio.core.video.live import LiveSource

CLIP = "sports2d_demo5_dumbbell_lateral_raise.mp4"
MODELS = ("movenet-lightning", "blazepose-lite", "blazepose-full")
COLUMNS = ("model", "received_fps", "analysed_fps", "dropped", "received", "latency_p50_ms", "latency_p95_ms")


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
            "latency_p50_ms": round(stats.latency_p50_ms, 1), "latency_p95_ms": round(stats.latency_p95_ms, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="live_latency", description=__doc__.splitlines()[0])
    p.add_argument("--clip", type=Path, default=None, help=f"video to serve (default the shared {CLIP})")
    p.add_argument("--seconds", type=float, default=15.0, help="stream time per model (default 15)")
    p.add_argument("--record", action="store_true", help="also record each run (H.264, to a temporary folder)")
    p.add_argument("--models", nargs="+", default=list(MODELS))
    args = p.parse_args(argv)
    clip = args.clip or default_clip()
    if not clip.is_file():
        print(f"live_latency: {clip} not found; give --clip.", file=sys.stderr)
        return 2
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
