"""Two clips side by side on one clock: an H.264 MP4 whose every frame shows A's frame and B's frame of the
same moment (as a SyncResult maps them), each with its skeleton, joint angles, clock and a title.

The output follows A's frames and timing over the stretch both clips show; B contributes its nearest frame
to each of A's moments (so a B at a higher frame rate is thinned, one at a lower rate repeats frames).
No sound: the two soundtracks would play over each other. Written atomically, like every export.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np

from posestudio.core.atomic import atomic_path
from posestudio.core.errors import Cancelled
from posestudio.core.export.video_export import (
    DEFAULT_CRF,
    DEFAULT_PRESET,
    TIME_BASE,
    ExportError,
    ExportReport,
)
from posestudio.core.export.overlay_frames import OverlayFrames
from posestudio.core.render import OverlayOptions

MAX_HEIGHT = 720  # default height of each half: two 1080p pictures side by side would be 3840 wide


@dataclass
class SideBySideOptions:
    height: int | None = None        # height of both halves in pixels; None = the smaller clip's, at most 720
    overlay: OverlayOptions = field(default_factory=OverlayOptions)
    titles: tuple[str, str] = ("A", "B")
    smooth: bool = True
    person_a: int | None = None      # whose angles are labelled; None = the person present in most frames
    person_b: int | None = None
    crf: int = DEFAULT_CRF
    preset: str = DEFAULT_PRESET


def matching_frames(a_t, b_t, sync) -> tuple[np.ndarray, np.ndarray]:
    """A's frame indices whose moment B also shows (between B's first and last frame: the moments the
    aligned CSV has), and B's nearest frame index for each."""
    a_t, b_t = np.asarray(a_t, dtype=np.float64), np.asarray(b_t, dtype=np.float64)
    tb = sync.b_time(a_t)
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(tb) & (tb >= b_t[0] - 1e-9) & (tb <= b_t[-1] + 1e-9)
    a_idx = np.flatnonzero(keep)
    j = np.clip(np.searchsorted(b_t, tb[keep]), 1, max(b_t.size - 1, 1))
    nearer_left = np.abs(tb[keep] - b_t[j - 1]) <= np.abs(b_t[np.minimum(j, b_t.size - 1)] - tb[keep])
    b_idx = np.where(nearer_left, j - 1, j) if b_t.size > 1 else np.zeros_like(a_idx)
    return a_idx, b_idx


def _half_size(src, height: int) -> tuple[int, int, float]:
    w = max(2, int(round(src.width * height / src.height / 2)) * 2)
    return w, height, height / src.height


class _Half:
    """One clip's frames in order (the indices asked for never go back) with its overlay, at the half's size."""

    def __init__(self, src, result, indices: np.ndarray, height: int, title: str, opts: SideBySideOptions,
                 person: int | None):
        self.src = src
        self.w, self.h, self.scale = _half_size(src, height)
        if result is not None and (result.width, result.height) != (src.width, src.height):
            raise ExportError(f"The analysis of {Path(src.path).name} was made on a picture of another size; "
                              f"analyse it again.")
        i0, i1 = int(indices.min()), int(indices.max()) + 1
        self.times = np.asarray(src.timestamps, dtype=np.float64)
        overlay = replace(opts.overlay, title=title)
        self.overlay = OverlayFrames(result, overlay, i0, i1, self.scale, opts.smooth, self.w, self.h,
                                      self.times[i0:i1], person) if result is not None else None
        self.frames = src.frames(i0, i1)
        self.current: tuple[int, np.ndarray] | None = None

    def picture(self, index: int) -> np.ndarray:
        while self.current is None or self.current[0] < index:
            try:
                i, _, rgb = next(self.frames)
            except StopIteration:
                break  # the decoder ended early: keep showing the last picture
            self.current = (i, rgb)
        if self.current is None:
            raise ExportError(f"No frame of {Path(self.src.path).name} could be decoded; check the video plays.")
        i, rgb = self.current
        out = cv2.resize(rgb, (self.w, self.h), interpolation=cv2.INTER_AREA) if self.scale != 1.0 \
            else np.array(rgb, copy=True)
        if self.overlay is not None:
            self.overlay.draw(out, i, float(self.times[i]))
        return out

    def close(self) -> None:
        self.frames.close()  # stops the decoder's reader thread now, not when garbage is collected


def export_side_by_side(source_a, result_a, source_b, result_b, sync, out_path,
                        options: SideBySideOptions | None = None, *,
                        progress: Callable[[int, int], None] | None = None,
                        cancel: threading.Event | None = None) -> ExportReport:
    """Write A and B side by side in sync to `out_path` (.mp4). source_*: VideoSources; result_*: their
    AnalysisResults (None draws no skeleton); sync: a SyncResult (kinematics.sync) mapping A's time to B's.
    progress(done, total) per frame; `cancel` set raises Cancelled and leaves nothing behind."""
    options = options or SideBySideOptions()
    out_path = Path(out_path)
    if out_path.suffix.lower() != ".mp4":
        raise ExportError(f"Side-by-side clips are written as MP4; name the output '{out_path.stem}.mp4'.")
    began = time.perf_counter()
    a_idx, b_idx = matching_frames(source_a.timestamps, source_b.timestamps, sync)
    if a_idx.size == 0:
        raise ExportError("The two clips show no common moment with this sync; check the times marked in each.")
    height = min(options.height or MAX_HEIGHT, source_a.height, source_b.height)
    if height < 16:
        raise ExportError(f"A height of {height} pixels is too small; choose at least 16.")
    height = height // 2 * 2
    a = _Half(source_a, result_a, a_idx, height, options.titles[0], options, options.person_a)
    b = _Half(source_b, result_b, b_idx, height, options.titles[1], options, options.person_b)
    try:
        _encode(a, b, a_idx, b_idx, height, out_path, options, progress, cancel)
    finally:
        a.close()
        b.close()
    a_t = a.times
    interval = float(np.median(np.diff(a_t))) if a_t.size > 1 else 1 / 30
    duration = float(a_t[a_idx[-1]] - a_t[a_idx[0]] + interval)
    return ExportReport(out_path, int(a_idx.size), a.w + b.w, height, duration, None, time.perf_counter() - began)


def _encode(a: _Half, b: _Half, a_idx, b_idx, height: int, out_path: Path, options: SideBySideOptions,
            progress, cancel) -> None:
    a_t = a.times
    interval = float(np.median(np.diff(a_t))) if a_t.size > 1 else 1 / 30
    fps = Fraction(1.0 / interval).limit_denominator(1001)
    t0 = float(a_t[a_idx[0]])
    with atomic_path(out_path) as tmp:
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            stream = out.add_stream("libx264", rate=fps)
            stream.width, stream.height = a.w + b.w, height
            stream.pix_fmt = "yuv420p"
            stream.time_base = TIME_BASE
            stream.codec_context.time_base = TIME_BASE
            stream.options = {"crf": str(options.crf), "preset": options.preset}
            for done, (i, j) in enumerate(zip(a_idx.tolist(), b_idx.tolist()), start=1):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("The side-by-side export")
                canvas = np.hstack([a.picture(i), b.picture(j)])
                frame = av.VideoFrame.from_ndarray(canvas, format="rgb24")
                frame.pts = int(round((float(a_t[i]) - t0) / TIME_BASE))
                frame.time_base = TIME_BASE
                for packet in stream.encode(frame):
                    out.mux(packet)
                if progress is not None:
                    progress(done, a_idx.size)
            for packet in stream.encode(None):
                out.mux(packet)


__all__ = ["SideBySideOptions", "export_side_by_side", "matching_frames"]
