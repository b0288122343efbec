"""How a batch scales with workers: videos/s and frames/s with 1 and with 2 (or --workers) local workers.

Each run is a whole `posestudio batch` as users get it (run_batch: LocalCluster start, every video analysed
and written, manifest and table), into a fresh temporary folder, on the same tasks: the clips given
(default: the short clips of the project's test data) repeated --repeat times under distinct names.
Each worker runs its model on one thread (--threads), as cluster workers started with `--nthreads 1` and
`posestudio batch` with one worker per core do, so the figures show how throughput grows with workers.

    python -m posestudio.bench.batch_scaling [VIDEO...] [--model ID] [--repeat N] [--workers 1,2] [--threads T]

prints `name: value` lines: videos, frames, and per worker count seconds, videos_per_s, frames_per_s (whole
run, start-up included), steady_videos_per_s (after the first video) and frames_per_cpu_s (frames over the
CPU time the tasks' processes used: the rate of one idle core); then speedup and steady_speedup
(with the most workers over the fewest; the target on 2 cores is >= 1.6).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from posestudio.core.batch.job import run_batch
from posestudio.core.batch.pipeline import DEFAULT_CUTOFF_HZ, DEFAULT_MIN_SCORE, model_sha256
from posestudio.core.batch.plan import Settings, plan_tasks
from posestudio.core.batch.runner import local_cores
from posestudio.core.paths import repo_root

SHORT_CLIPS = ("sports2d_demo3_running_side.mp4", "mmhuman3d_basketball_dribble_portrait12.mp4",
               "pose2sim_single_cam01_portrait60.mp4", "pose2sim_single_cam02_vp9.mp4")
TARGET_SPEEDUP = 1.6


def _default_clips() -> list[Path]:
    root = repo_root()
    folder = root.parent / "shared" / "data" / "videos" if root else None
    clips = [folder / name for name in SHORT_CLIPS] if folder else []
    if not clips or not all(c.is_file() for c in clips):
        raise SystemExit("batch_scaling: give the videos to run (the project's test clips were not found).")
    return clips


def measure(clips: list[Path], model: str, repeat: int, workers: int, threads: int) -> tuple[float, list[dict], float]:
    """(seconds, records of the videos done, steady videos/s) of one whole batch with `workers` local workers.
    Steady: videos finished after the first one over the time since it (start-up left out, as on a long run)."""
    tasks = [replace(t, index=i, name=f"{t.name}_{k}")
             for k in range(repeat) for i, t in enumerate(plan_tasks(clips), start=k * len(clips))]
    settings = Settings(model=model, model_sha256=model_sha256(model), min_score=DEFAULT_MIN_SCORE, smoothing=True,
                        cutoff_hz=DEFAULT_CUTOFF_HZ, threads=threads)
    with tempfile.TemporaryDirectory(prefix="batch-scaling-") as folder:
        finished: list[float] = []
        began = time.perf_counter()
        outcome = run_batch(tasks, settings, Path(folder), workers=workers,
                            on_record=lambda record: finished.append(time.perf_counter()))
        seconds = time.perf_counter() - began
    done = outcome.with_status("done")
    steady = (len(finished) - 1) / (finished[-1] - finished[0]) if len(finished) > 1 else float("nan")
    return seconds, done, steady


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m posestudio.bench.batch_scaling", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("videos", nargs="*", type=Path)
    p.add_argument("--model", "-m", default="movenet-lightning")
    p.add_argument("--repeat", type=int, default=3, help="times each clip is analysed per run (default 3)")
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    p.add_argument("--threads", type=int, default=1, help="inference threads per worker (default 1)")
    args = p.parse_args(argv)
    clips = args.videos or _default_clips()
    counts = [int(n) for n in args.workers.split(",")]
    print(f"cores: {local_cores()}")
    print(f"load_average_1min: {os.getloadavg()[0]:.2f}")
    rates = {}
    for n in counts:
        seconds, done, steady = measure(clips, args.model, args.repeat, n, args.threads)
        videos, frames = len(done), sum(r["frames"] for r in done)
        rates[n] = (videos / seconds, steady)
        print(f"workers_{n}_videos: {videos}")
        print(f"workers_{n}_frames: {frames}")
        print(f"workers_{n}_seconds: {seconds:.2f}")
        print(f"workers_{n}_videos_per_s: {videos / seconds:.3f}")
        print(f"workers_{n}_frames_per_s: {frames / seconds:.1f}")
        print(f"workers_{n}_steady_videos_per_s: {steady:.3f}")
        # what a video costs in CPU time, whatever else runs on the machine: frames per CPU-second
        print(f"workers_{n}_frames_per_cpu_s: {frames / sum(r['cpu_seconds'] for r in done):.1f}")
        sys.stdout.flush()
    if len(counts) > 1:
        most, fewest = rates[max(counts)], rates[min(counts)]
        print(f"speedup: {most[0] / fewest[0]:.2f} (target >= {TARGET_SPEEDUP} for 2 workers on 2 cores)")
        print(f"steady_speedup: {most[1] / fewest[1]:.2f}")
    print(f"load_average_1min_after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
