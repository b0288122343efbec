"""How much the overlays cost: annotated export frames/s against a plain transcode of the same clip.

Both runs share everything but the drawing: same decoder (VideoSource), same scaling, same libx264
settings (crf, preset), same audio handling, written to a temporary folder. The analysis is loaded (or
made and cached) before timing. Each run is repeated and the fastest kept, which filters out other
processes on a shared machine.

    python -m posestudio.bench.export_speed VIDEO [--model ID] [--repeat N] [--height PX]

prints `name: value` lines: frames, export_fps, transcode_fps, overlay_cost (1 - export_fps/transcode_fps;
the target is <= 0.25), draw_ms (drawing alone per frame).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from posestudio.core.export.video_export import VideoExportOptions, export_video, frame_range, output_size
from posestudio.core.render import OverlayOptions

TARGET_COST = 0.25


def _best_fps(source, result, options: VideoExportOptions, repeat: int, folder: Path) -> tuple[float, int]:
    best, frames = 0.0, 0
    for k in range(repeat):
        began = time.perf_counter()
        report = export_video(source, folder / f"run{k}.mp4", result, options)
        seconds = time.perf_counter() - began
        frames = report.frames
        best = max(best, report.frames / seconds)
    return best, frames


def draw_ms(source, result, overlay: OverlayOptions, height: int | None, samples: int = 60) -> float:
    """Mean milliseconds to draw the overlays on one frame (no decoding or encoding)."""
    from posestudio.core.export.overlay_frames import OverlayFrames

    w, h = output_size(source.width, source.height, height)
    i0, i1 = frame_range(source.timestamps, None, None)
    times = np.asarray(source.timestamps[i0:i1]) - source.timestamps[i0]
    layer = OverlayFrames(result, overlay, i0, i1, h / source.height, True, w, h, times)
    frame = source.frame_at(0)
    if (w, h) != (source.width, source.height):
        import cv2

        frame = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
    n = min(samples, i1 - i0)
    copies = [frame.copy() for _ in range(n)]  # copied outside the timing
    began = time.perf_counter()
    for i, f in enumerate(copies):
        layer.draw(f, i, float(times[i]))
    return (time.perf_counter() - began) / n * 1000


def run(video: str, model_id: str, repeat: int = 2, height: int | None = None) -> dict[str, float]:
    from posestudio.core.analysis.cache import analysis_for
    from posestudio.core.video.source import VideoSource

    overlay = OverlayOptions(skeleton=True, angles=True, timestamp=True, plot=True, title=Path(video).stem)
    with VideoSource(video) as source, tempfile.TemporaryDirectory(prefix="posestudio-bench-") as tmp:
        result = analysis_for(source, model_id)
        folder = Path(tmp)
        plain = VideoExportOptions(height=height, overlay=None)
        annotated = VideoExportOptions(height=height, overlay=overlay)
        transcode_fps, frames = _best_fps(source, None, plain, repeat, folder)
        export_fps, _ = _best_fps(source, result, annotated, repeat, folder)
        ms = draw_ms(source, result, overlay, height)
    return {
        "frames": frames,
        "export_fps": export_fps,
        "transcode_fps": transcode_fps,
        "overlay_cost": 1.0 - export_fps / transcode_fps,
        "draw_ms": ms,
    }


def main(argv: list[str] | None = None) -> int:
    from posestudio.core.errors import PoseStudioError

    p = argparse.ArgumentParser(prog="python -m posestudio.bench.export_speed", description=__doc__.split("\n\n")[0])
    p.add_argument("video")
    p.add_argument("--model", default="movenet-lightning")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--height", type=int)
    args = p.parse_args(argv)
    try:
        numbers = run(args.video, args.model, args.repeat, args.height)
    except PoseStudioError as exc:
        print(f"export_bench: {exc}", file=sys.stderr)
        return 2
    for name, value in numbers.items():
        print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    print(f"target: overlay_cost <= {TARGET_COST} -> {'met' if numbers['overlay_cost'] <= TARGET_COST else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
