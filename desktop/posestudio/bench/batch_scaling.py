"""How a batch scales with workers: videos/s, frames/s and the CPU they cost with 1 and with 2 (or --workers)
local workers, measured side by side in one run.

Each run is a whole `posestudio batch` as users get it (run_batch: LocalCluster start, every video analysed
and written, manifest and table), into a fresh temporary folder, on the same tasks: the clips given (default:
the seven real clips of the project's test data, 40 to 540 frames, 240p to 1080x1920, H.264 and VP9, longest
first so no long video runs alone at the end) repeated --repeat times under distinct names. Each worker runs
with one thread (--threads), as `posestudio batch` with one worker per core and cluster workers started with
`--nthreads 1` do: such a worker keeps to one core (core/batch/one_core.py), so N workers use N cores.

    python -m posestudio.bench.batch_scaling [VIDEO...] [--model ID] [--repeat N] [--workers 1,2] [--threads T]

prints `name: value` lines, per worker count: videos, frames, seconds (whole run, start-up included),
videos_per_s, frames_per_s, steady_videos_per_s (after the first video: start-up left out, as on a long run),
cpu_s_per_video (the task's CPU time in its worker: what a video costs whatever else runs), cores_per_worker
(CPU over wall time of each video in its worker: 1.0 when a worker keeps to its core; less when the machine
is loaded and it waits for one) and all_workers_cpu_s (the worker processes' CPU, start-up included); then
speedup and steady_speedup (most workers over fewest; the target on 2 cores is >= 1.6), and
speedup_ceiling: workers over the cores one worker used (what the speedup can reach on an idle machine;
n/a when the lone worker got under 0.9 of a core).
Wall-clock figures need an idle machine; the CPU figures hold under load.
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

CLIPS = ("sports2d_demo5_dumbbell_lateral_raise.mp4", "mmaction2_basketball_gym_240p.mp4",     # 540, 300 frames
         "sports2d_demo_walk_jumpingjacks_flip.mp4", "pose2sim_single_cam01_portrait60.mp4",   # 230, 100
         "pose2sim_single_cam02_vp9.mp4", "sports2d_demo3_running_side.mp4",                   # 100, 47
         "mmhuman3d_basketball_dribble_portrait12.mp4")                                        # 40
TARGET_SPEEDUP = 1.6
BUSY_WORKER = 0.9   # cores a lone worker must get for its wall time to mean anything


def _default_clips() -> list[Path]:
    root = repo_root()
    folder = root.parent / "shared" / "data" / "videos" if root else None
    clips = [folder / name for name in CLIPS] if folder else []
    if not clips or not all(c.is_file() for c in clips):
        raise SystemExit("batch_scaling: give the videos to run (the project's test clips were not found).")
    return clips


def _children_cpu() -> float:
    """CPU seconds of this process's finished child processes (the LocalCluster's workers, once closed)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tasks_for(clips: list[Path], repeat: int):
    """Each clip `repeat` times under distinct names, in the clips' order (longest first by default)."""
    planned = plan_tasks(clips)
    copies = [replace(t, name=f"{t.name}_{k}") for t in planned for k in range(repeat)]
    return [replace(t, index=i) for i, t in enumerate(copies)]


def measure(clips: list[Path], model: str, repeat: int, workers: int, threads: int) -> dict:
    """The figures of one whole batch with `workers` local workers (see the module docstring)."""
    settings = Settings(model=model, model_sha256=model_sha256(model), min_score=DEFAULT_MIN_SCORE, smoothing=True,
                        cutoff_hz=DEFAULT_CUTOFF_HZ, threads=threads)
    with tempfile.TemporaryDirectory(prefix="batch-scaling-") as folder:
        finished: list[float] = []
        children_cpu = _children_cpu()
        began = time.perf_counter()
        outcome = run_batch(tasks_for(clips, repeat), settings, Path(folder), workers=workers,
                            on_record=lambda record: finished.append(time.perf_counter()))
        seconds = time.perf_counter() - began
        children_cpu = _children_cpu() - children_cpu
    done = outcome.with_status("done")
    if not done:
        raise SystemExit("batch_scaling: no video was analysed; see the manifest's reasons with posestudio batch.")
    videos, frames = len(done), sum(r["frames"] for r in done)
    cpu, busy = sum(r["cpu_seconds"] for r in done), sum(r["seconds"] for r in done)
    return {"videos": videos, "frames": frames, "seconds": seconds, "videos_per_s": videos / seconds,
            "frames_per_s": frames / seconds,
            "steady_videos_per_s": (len(finished) - 1) / (finished[-1] - finished[0]) if len(finished) > 1
            else float("nan"),
            "cpu_s_per_video": cpu / videos, "cores_per_worker": cpu / busy, "all_workers_cpu_s": children_cpu}


FORMATS = {"videos": "{:d}", "frames": "{:d}", "seconds": "{:.2f}", "videos_per_s": "{:.3f}",
           "frames_per_s": "{:.1f}", "steady_videos_per_s": "{:.3f}", "cpu_s_per_video": "{:.3f}",
           "cores_per_worker": "{:.2f}", "all_workers_cpu_s": "{:.1f}"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m posestudio.bench.batch_scaling", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("videos", nargs="*", type=Path)
    p.add_argument("--model", "-m", default="movenet-lightning")
    p.add_argument("--repeat", type=int, default=4, help="times each clip is analysed per run (default 4)")
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    p.add_argument("--threads", type=int, default=1, help="threads per worker (default 1: one core each)")
    args = p.parse_args(argv)
    clips = args.videos or _default_clips()
    counts = [int(n) for n in args.workers.split(",")]
    print(f"cores: {local_cores()}")
    print(f"clips: {', '.join(c.name for c in clips)} (each x{args.repeat})")
    figures = {}
    for n in counts:
        print(f"workers_{n}_load_average_1min_before: {os.getloadavg()[0]:.2f}")
        figures[n] = measure(clips, args.model, args.repeat, n, args.threads)
        for name, value in figures[n].items():
            print(f"workers_{n}_{name}: {FORMATS[name].format(value)}")
        sys.stdout.flush()
    if len(counts) > 1:
        most, fewest = figures[max(counts)], figures[min(counts)]
        print(f"speedup: {most['videos_per_s'] / fewest['videos_per_s']:.2f} "
              f"(target >= {TARGET_SPEEDUP} for 2 workers on 2 cores)")
        print(f"steady_speedup: {most['steady_videos_per_s'] / fewest['steady_videos_per_s']:.2f}")
        used = fewest["cores_per_worker"]
        if used >= BUSY_WORKER:
            print(f"speedup_ceiling: {max(counts) / min(counts) / used:.2f} (workers over the cores one worker used)")
        else:  # it waited for a core most of the time: its wall time says nothing about what it would use
            print(f"speedup_ceiling: n/a (one worker got {used:.2f} of a core: the machine is loaded)")
    print(f"load_average_1min_after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
