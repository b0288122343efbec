"""Peak memory of `posestudio analyze` on a long clip, per output format, and of the writing step alone.

    python -m posestudio.bench.memory --minutes 5 20 [--model movenet-lightning] [--formats json csv npz]
    python -m posestudio.bench.memory --write-only [--write-frames 108000]

The long clip is the 720p dumbbell clip looped by stream copy (no re-encoding) into a temporary folder,
deleted afterwards. Each analyze run (`--angles --summary`) is its own process; its peak resident set size
comes from wait4(), so nothing of this process counts. `--write-only` writes a synthetic analysis of
`--write-frames` frames (108,000 = one hour at 30 fps, 33 keypoints, one person) in every format, each in
its own process, and prints the peak before and during the writing.

Prints `name: value` lines; per-minute growth is (peak at the longest - peak at the shortest) / minutes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CLIP = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "videos" / \
    "sports2d_demo5_dumbbell_lateral_raise.mp4"
ANALYZE_FORMATS = ("json", "csv", "npz")
WRITE_FORMATS = ("json", "csv", "long.csv", "npz", "trc", "data.json")
HOUR_FRAMES = 108_000


def make_long_clip(source: Path, minutes: float, folder: Path) -> Path:
    """`source` repeated (video packets copied, timestamps shifted) until it lasts `minutes`; no audio."""
    import av

    out_path = folder / f"long_{minutes:g}min.mp4"
    with av.open(str(source)) as src:
        stream = src.streams.video[0]
        packets = [(p.pts, p.dts, p.duration, p.is_keyframe, bytes(p)) for p in src.demux(stream) if p.size]
        loop_ticks = max(p[0] for p in packets) + packets[-1][2]  # one pass of the clip, in stream ticks
        loops = max(1, round(minutes * 60 / float(loop_ticks * stream.time_base)))
        with av.open(str(out_path), "w") as dst:
            out = dst.add_stream_from_template(stream)
            for n in range(loops):
                for pts, dts, duration, key, data in packets:
                    pkt = av.Packet(data)
                    pkt.pts, pkt.dts, pkt.duration = pts + n * loop_ticks, dts + n * loop_ticks, duration
                    pkt.is_keyframe = key
                    pkt.time_base = stream.time_base
                    pkt.stream = out
                    dst.mux(pkt)
    return out_path


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Run `cmd`, return (its peak resident set in MB, exit code, last stderr line)."""
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().strip().splitlines()
    return usage.ru_maxrss / 1024.0, proc.returncode, lines[-1] if lines else ""


def bench_analyze(clip: Path, minutes_list, model: str, fmts, folder: Path) -> dict:
    peaks = {}
    for minutes in minutes_list:
        long_clip = make_long_clip(clip, minutes, folder)
        print(f"clip_{minutes:g}min: {long_clip.stat().st_size / 1e6:.0f} MB", flush=True)
        for fmt in fmts:
            out = folder / f"out_{minutes:g}.{fmt}"
            cmd = [sys.executable, "-m", "posestudio", "analyze", str(long_clip), "-m", model, "-o", str(out),
                   "--angles", "--summary", str(folder / "summary.csv"), "-q"]
            began = time.monotonic()
            mb, code, last = run_measured(cmd)
            seconds = time.monotonic() - began
            if code != 0:
                print(f"analyze_{fmt}_{minutes:g}min: failed (exit {code}): {last}", flush=True)
                continue
            peaks[(fmt, minutes)] = mb
            print(f"analyze_{fmt}_{minutes:g}min_peak_mb: {mb:.0f} ({seconds:.0f} s, "
                  f"output {out.stat().st_size / 1e6:.1f} MB)", flush=True)
            out.unlink()
        long_clip.unlink()
    if len(minutes_list) > 1:
        lo, hi = min(minutes_list), max(minutes_list)
        for fmt in fmts:
            if (fmt, lo) in peaks and (fmt, hi) in peaks:
                per_min = (peaks[(fmt, hi)] - peaks[(fmt, lo)]) / (hi - lo)
                print(f"analyze_{fmt}_growth_mb_per_min: {per_min:.2f} "
                      f"(1 hour extrapolated: {peaks[(fmt, hi)] + per_min * (60 - hi):.0f} MB)", flush=True)
    return peaks


def bench_write(frames: int, fmts, folder: Path) -> None:
    for fmt in fmts:
        cmd = [sys.executable, "-m", "posestudio.bench.memory_write", str(frames), fmt, str(folder)]
        mb, code, last = run_measured(cmd)
        if code != 0:
            print(f"write_{fmt}: failed (exit {code}): {last}", flush=True)
            continue
        print(f"write_{fmt}_{frames}_frames_peak_mb: {mb:.0f} ({last})", flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m posestudio.bench.memory", description=__doc__.split("\n")[0])
    p.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    p.add_argument("--minutes", type=float, nargs="+", default=[5.0, 20.0])
    p.add_argument("--model", default="movenet-lightning")
    p.add_argument("--formats", nargs="+", default=list(ANALYZE_FORMATS), choices=ANALYZE_FORMATS)
    p.add_argument("--write-only", action="store_true", help="only the writing step on a synthetic result")
    p.add_argument("--write-frames", type=int, default=HOUR_FRAMES)
    p.add_argument("--write-formats", nargs="+", default=list(WRITE_FORMATS), choices=WRITE_FORMATS)
    p.add_argument("--skip-write", action="store_true", help="only the analyze runs")
    args = p.parse_args(argv)
    if not args.write_only and not args.clip.is_file():
        print(f"{args.clip} is not a file; give --clip a video.", file=sys.stderr)
        return 2
    from posestudio.core.models import providers

    print(f"provider: {providers.describe()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="posestudio-memory-") as tmp:
        folder = Path(tmp)
        if not args.skip_write:
            bench_write(args.write_frames, args.write_formats, folder)
        if not args.write_only:
            bench_analyze(args.clip, args.minutes, args.model, args.formats, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
