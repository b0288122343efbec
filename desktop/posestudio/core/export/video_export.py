"""Annotated clips: H.264 / yuv420p MP4 (faststart) with PyAV, same frames and timing as the source.

Timing: every output frame's pts is the source frame's own timestamp (shifted so the range starts at 0)
in a 1/90000 s time base, so variable frame rate and 29.97 fps clips keep their exact timing instead of
an assumed fps. Audio: AAC/MP3 packets in the range are copied untouched; other codecs are transcoded
to AAC. The file is written under a temporary name beside the target and renamed when complete, so a
cancel or a crash never leaves a broken file and never destroys an older export.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np

from posestudio.core.atomic import atomic_path
from posestudio.core.errors import Cancelled, ExportError
from posestudio.core.export.overlay_frames import OverlayFrames
from posestudio.core.render import FrameRenderer, OverlayOptions

log = logging.getLogger(__name__)

TIME_BASE = Fraction(1, 90000)   # fine enough for any real frame rate (90 kHz, as MPEG uses)
DEFAULT_CRF = 20                 # visually near-lossless for overlays and sharp lines
DEFAULT_PRESET = "veryfast"      # ~2-3x faster than "medium" for a few % more bytes; users wait less
COPY_AUDIO_CODECS = {"aac", "aac_fixed", "mp3", "mp3float"}  # decoder names of what MP4 carries as it is
AUDIO_BITRATE = 160_000


@dataclass
class VideoExportOptions:
    start: float | None = None       # seconds from the first frame (in point); None = from the start
    end: float | None = None         # seconds (out point, exclusive); None = to the end
    height: int | None = None        # output height in pixels (width follows); None = the source's
    overlay: OverlayOptions | None = field(default_factory=OverlayOptions)  # None = plain transcode
    smooth: bool = True              # angle values smoothed as in the window's default view
    person_id: int | None = None     # whose angles are shown; None = the person present in most frames
    custom_angles: tuple = ()        # the user's own AngleDefs (the window's, or those the CLI loaded)
    crf: int = DEFAULT_CRF
    preset: str = DEFAULT_PRESET
    audio: bool = True


@dataclass
class ExportReport:
    path: Path
    frames: int
    width: int
    height: int
    duration: float
    audio: str | None                # "copied", "transcoded" or None
    seconds: float = 0.0             # wall time spent


def frame_range(timestamps: np.ndarray, start: float | None, end: float | None) -> tuple[int, int]:
    """Indices [i0, i1) of frames whose timestamp t satisfies start <= t < end (half a millisecond slack)."""
    t = np.asarray(timestamps, dtype=np.float64)
    i0 = 0 if start is None else int(np.searchsorted(t, float(start) - 5e-4, side="left"))
    i1 = len(t) if end is None else int(np.searchsorted(t, float(end) - 5e-4, side="left"))
    if i1 <= i0:
        length = float(t[-1]) if len(t) else 0.0
        a = 0.0 if start is None else float(start)
        b = f"{float(end):g} s" if end is not None else "the end"
        raise ExportError(f"The range from {a:g} s to {b} holds no frame of this {length:.2f} s video; "
                          f"choose a start before the end and inside the video.")
    return i0, i1


def output_size(width: int, height: int, target_height: int | None) -> tuple[int, int]:
    """Even dimensions (yuv420p needs them), keeping the aspect ratio; never larger than the source."""
    if target_height is not None and target_height < 16:
        raise ExportError(f"A height of {target_height} pixels is too small; choose at least 16.")
    h = height if target_height is None else min(int(target_height), height)
    w = width * h / height
    return max(2, int(round(w / 2)) * 2), max(2, int(round(h / 2)) * 2)


def _frame_interval(t: np.ndarray, fps: float) -> float:
    if len(t) > 1:
        return float(np.median(np.diff(t)))
    return 1.0 / fps if fps and fps > 0 else 1.0 / 30


class _AudioCopier:
    """Feeds the source's audio in [t0, t1) to the output, interleaved with the video by time."""

    def __init__(self, path: Path, out: av.container.OutputContainer, t0_abs: float, t1_abs: float | None):
        self.inp = av.open(str(path))
        self.stream = self.inp.streams.audio[0]
        self.t0, self.t1 = t0_abs, t1_abs
        self.copy = self.stream.codec_context.name in COPY_AUDIO_CODECS
        if self.copy:
            self.out_stream = out.add_stream_from_template(self.stream)
        else:
            rate = self.stream.codec_context.sample_rate or 48000
            self.out_stream = out.add_stream("aac", rate=rate)
            self.out_stream.bit_rate = AUDIO_BITRATE
            # by channel count: sources may carry an unnamed layout ("1 channels") the AAC encoder refuses
            self.out_stream.layout = "mono" if self.stream.codec_context.channels == 1 else "stereo"
            self.out_stream.format = "fltp"  # the only sample format FFmpeg's AAC encoder takes
            self.resampler = av.AudioResampler(format="fltp", layout=self.out_stream.layout.name, rate=rate)
            self.next_pts = 0
        self.tb = self.stream.time_base
        self.packets = self._packets()
        self.pending = None
        self.done = False

    def _packets(self):
        self.inp.seek(max(0, int((self.t0 - 1.0) / self.tb)), stream=self.stream, any_frame=False, backward=True) \
            if self.t0 > 1.0 else None
        for packet in self.inp.demux(self.stream):
            if packet.pts is None:
                continue
            yield packet

    def mux_until(self, out, t_rel: float | None) -> None:
        """Write audio up to time `t_rel` of the output (None = everything left)."""
        while not self.done:
            if self.pending is None:
                self.pending = next(self.packets, None)
                if self.pending is None:
                    self._finish(out)
                    return
            packet = self.pending
            t = float(packet.pts * self.tb)
            if t + 1e-9 < self.t0 and self.copy:
                self.pending = None  # before the in point
                continue
            if self.t1 is not None and t >= self.t1 - 1e-9:
                self._finish(out)
                return
            if t_rel is not None and t - self.t0 > t_rel:
                return
            self.pending = None
            if self.copy:
                shift = int(round(self.t0 / self.tb))
                packet.pts -= shift
                packet.dts = (packet.dts - shift) if packet.dts is not None else packet.pts
                packet.stream = self.out_stream
                out.mux(packet)
            else:
                self._transcode(out, packet)

    def _transcode(self, out, packet) -> None:
        for frame in packet.decode():
            t = float(frame.pts * self.tb) if frame.pts is not None else None
            if t is not None and (t < self.t0 - 1e-9 or (self.t1 is not None and t >= self.t1)):
                continue
            frame.pts = None
            for f in self.resampler.resample(frame):
                f.pts = self.next_pts
                self.next_pts += f.samples
                out.mux(self.out_stream.encode(f))

    def _finish(self, out) -> None:
        if not self.done and not self.copy:
            for f in self.resampler.resample(None):
                f.pts = self.next_pts
                self.next_pts += f.samples
                out.mux(self.out_stream.encode(f))
            out.mux(self.out_stream.encode(None))
        self.done = True

    def close(self) -> None:
        self.inp.close()


def export_video(source, out_path, result=None, options: VideoExportOptions | None = None, *,
                 progress: Callable[[int, int], None] | None = None,
                 cancel: threading.Event | None = None) -> ExportReport:
    """Write the annotated clip of `source` (a VideoSource or a path) over the chosen range to `out_path`.

    result: the AnalysisResult to draw (None draws only the time stamp / title).
    progress(done, total) is called after every frame; setting `cancel` raises Cancelled promptly and leaves
    nothing behind (an older file at `out_path` stays as it was).
    """
    import time

    from posestudio.core.video.source import VideoSource

    options = options or VideoExportOptions()
    out_path = Path(out_path)
    if out_path.suffix.lower() != ".mp4":
        raise ExportError(f"Annotated clips are written as MP4; name the output '{out_path.stem}.mp4'.")
    owns = not hasattr(source, "frames")
    src = VideoSource(source) if owns else source
    began = time.perf_counter()
    try:
        t_all = np.asarray(src.timestamps, dtype=np.float64)
        i0, i1 = frame_range(t_all, options.start, options.end)
        n = i1 - i0
        out_w, out_h = output_size(src.width, src.height, options.height)
        scale = out_h / src.height
        times = t_all[i0:i1]  # overlays show the source's clock, as the window and the CSV do
        overlay, plain = None, None
        if options.overlay is not None:
            if result is not None and (result.width, result.height) != (src.width, src.height):
                raise ExportError("The analysis was made on a picture of another size; analyse this video again.")
            if result is not None:
                overlay = OverlayFrames(result, options.overlay, i0, i1, scale, options.smooth, out_w, out_h, times,
                                         options.person_id, options.custom_angles)
            else:  # no analysis: time stamp and title only
                from posestudio.core.models.skeleton import COCO17

                plain = FrameRenderer(out_w, out_h, COCO17, options.overlay)
        interval = _frame_interval(t_all, getattr(src, "fps", 0.0))
        with atomic_path(out_path) as tmp:
            audio_mode = _encode(src, tmp, i0, i1, t_all, out_w, out_h, options, overlay, plain, interval,
                                 progress, cancel)
        duration = float(times[-1] - times[0] + interval)
        return ExportReport(out_path, n, out_w, out_h, duration, audio_mode, time.perf_counter() - began)
    finally:
        if owns:
            src.close()


def _encode(src, tmp: Path, i0: int, i1: int, t_all: np.ndarray, out_w: int, out_h: int,
            options: VideoExportOptions, overlay: OverlayFrames | None, plain: FrameRenderer | None,
            interval: float, progress, cancel) -> str | None:
    n = i1 - i0
    t0 = float(t_all[i0])
    fps = Fraction(1.0 / interval).limit_denominator(1001) if interval > 0 else Fraction(30)
    audio = None
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = out_w, out_h
        stream.pix_fmt = "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        stream.options = {"crf": str(options.crf), "preset": options.preset}
        if options.audio and getattr(src, "has_audio", False):
            try:
                start_offset = _video_start_time(src.path)
                end_abs = None if i1 >= len(t_all) else float(t_all[i1]) + start_offset
                audio = _AudioCopier(src.path, out, t0 + start_offset, end_abs)
            except (av.FFmpegError, ValueError, IndexError):
                log.exception("audio of %s cannot be carried over; exporting without sound", src.path)
                audio = None
        try:
            resize = (out_w, out_h) != (src.width, src.height)
            done = 0
            for index, t, rgb in src.frames(i0, i1):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("The export")
                if resize:
                    rgb = cv2.resize(rgb, (out_w, out_h), interpolation=cv2.INTER_AREA)
                elif not rgb.flags.writeable:
                    rgb = rgb.copy()
                rel = float(t_all[index]) - t0
                if overlay is not None:
                    overlay.draw(rgb, index, float(t_all[index]))
                elif plain is not None:
                    plain.draw(rgb, time_s=float(t_all[index]))
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts = int(round(rel / TIME_BASE))
                frame.time_base = TIME_BASE
                if audio is not None:
                    audio.mux_until(out, rel)
                for packet in stream.encode(frame):
                    packet.duration = packet.duration or int(round(interval / TIME_BASE))
                    out.mux(packet)
                done += 1
                if progress is not None:
                    progress(done, n)
            if done == 0:
                raise ExportError("No frame of the chosen range could be decoded; check the video plays.")
            for packet in stream.encode(None):
                out.mux(packet)
            if audio is not None:
                audio.mux_until(out, None)
        finally:
            if audio is not None:
                audio.close()
    return None if audio is None else ("copied" if audio.copy else "transcoded")


def _video_start_time(path) -> float:
    """Seconds of the first video frame on the container clock (audio pts are on the same clock)."""
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        if vs.start_time is not None:
            return float(vs.start_time * vs.time_base)
        return 0.0
