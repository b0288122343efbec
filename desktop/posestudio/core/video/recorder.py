"""Record a live source: every frame received, at its real timestamp, as H.264 in MP4, on its own thread.

The recorder is a listener of a LiveSource: `put` is called on the capture thread and only queues the
frame; a writer thread encodes. The file is written as fragmented MP4 (a fragment per keyframe, one a
second) under a temporary name beside the target, so even if the process dies the part written so far
plays; `close()`, or the source's end or fault, finishes the file and renames it to the target.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from posestudio.core.errors import PoseStudioError

log = logging.getLogger(__name__)

TIME_BASE = Fraction(1, 90000)  # the MPEG-TS clock: stream timestamps are kept exactly
MAX_BACKLOG_BYTES = 512 << 20   # decoded frames waiting for the encoder before new ones are counted lost
_END = object()


class RecordingError(PoseStudioError):
    """The recording cannot be started or finished."""


@dataclass
class RecordingReport:
    path: Path | None       # the finished file (up to a write error, if any), None when nothing was recorded
    frames: int             # frames written
    first_index: int | None  # the source's index of the first of them (LiveFrame.index)
    duration: float         # seconds, first to last frame plus one frame
    lost: int               # frames the encoder could not keep up with (0 unless the machine is overloaded)
    fault: str | None       # why the source ended, if it did not stop on request
    error: str | None       # why the file could not be written, if it could not


def check_target(path) -> Path:
    """The recording's path, checked before anything starts: an .mp4 in a folder that can be written."""
    path = Path(path)
    if path.suffix.lower() != ".mp4":
        raise RecordingError(f"The recording {path.name} must be an .mp4 file; name it e.g. recording.mp4.")
    if path.is_dir():
        raise RecordingError(f"{path} is a folder; give a file name for the recording, e.g. recording.mp4.")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordingError(f"The folder {folder} cannot be made ({exc.strerror}); pick another place.") from None
    if not os.access(folder, os.W_OK):
        raise RecordingError(f"The folder {folder} cannot be written to; pick another place for the recording.")
    return path


class Recorder:
    """Writes the frames `put` to it into `path` (see the module docstring)."""

    def __init__(self, path, fps_hint: float = 30.0, crf: int = 20, preset: str = "veryfast"):
        self.path = check_target(path)
        self.tmp = self.path.with_name(f".{self.path.stem}.recording.mp4")
        self.fps_hint = fps_hint
        self.crf, self.preset = crf, preset
        self.frames = 0
        self.first_index: int | None = None  # the source's index of the first frame recorded
        self.lost = 0
        self.fault: str | None = None
        self.error: str | None = None
        self._first_t = self._last_t = None
        self._queue: queue.Queue = queue.Queue()
        self._backlog: int | None = None  # frames, from the first frame's size
        self._closed = False
        self._thread = threading.Thread(target=self._write, name="posestudio-recorder", daemon=True)
        self._thread.start()

    # ----- the capture thread's side: never blocks -----
    def put(self, frame) -> None:
        if self._closed or self.error is not None:
            return
        if self._backlog is None:  # YUV 4:2:0 is 1.5 bytes a pixel; cameras' 4:2:2 a little more
            self._backlog = max(30, MAX_BACKLOG_BYTES // max(1, 2 * frame.video.width * frame.video.height))
        if self._queue.qsize() >= self._backlog:
            if self.lost == 0:
                log.warning("the recorder falls behind; frames are being lost")
            self.lost += 1
            return
        self._queue.put(frame)

    def end(self, fault: str | None) -> None:
        """The source ended (fault: why, None when stopped on request): finish the file."""
        if fault and self.fault is None:
            self.fault = fault
        self._finish()

    def _finish(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(_END)

    def close(self, timeout: float | None = None) -> RecordingReport:
        """Write what is queued, finish and rename the file; waits for the writer thread."""
        self._finish()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RecordingError(f"The recording {self.path.name} is still being written; wait and try again.")
        done = self.frames > 0 and self.path.is_file() and not self.tmp.exists()  # renamed: what was written plays
        duration = 0.0
        if self.frames:
            duration = self._last_t - self._first_t + 1.0 / self.fps_hint
        return RecordingReport(self.path if done else None, self.frames, self.first_index, duration, self.lost,
                               self.fault, self.error)

    # ----- the writer thread -----
    def _write(self) -> None:
        out = stream = None
        started = time.monotonic()
        try:
            out = av.open(str(self.tmp), "w", format="mp4",
                          options={"movflags": "frag_keyframe+empty_moov+default_base_moof"})
            while True:
                item = self._queue.get()
                if item is _END:
                    break
                if stream is None:
                    stream = self._add_stream(out, item)
                self._encode(out, stream, item)
            if stream is not None:
                for packet in stream.encode(None):
                    out.mux(packet)
        except Exception as exc:  # disk full, encoder failure: the frames so far stay in the file
            log.exception("writing the recording %s failed", self.tmp)
            self.error = (f"The recording {self.path.name} could not be written "
                          f"({getattr(exc, 'strerror', None) or exc.__class__.__name__}); check the free space.")
            self._closed = True
        finally:
            self._close_file(out)
            log.info("recorder: %d frames to %s in %.1f s, %d lost", self.frames, self.path,
                     time.monotonic() - started, self.lost)

    def _add_stream(self, out, frame):
        rgb_needed = frame.turns != 0
        width, height = (frame.video.height, frame.video.width) if frame.turns % 2 else \
            (frame.video.width, frame.video.height)
        stream = out.add_stream("libx264", rate=Fraction(self.fps_hint).limit_denominator(1001))
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        # zerolatency: no B-frames or look-ahead, so each frame is in the file as soon as it is encoded;
        # a keyframe a second bounds what a crash could cost (one fragment)
        gop = max(1, int(round(self.fps_hint)))
        stream.options = {"crf": str(self.crf), "preset": self.preset, "tune": "zerolatency", "g": str(gop)}
        self._rgb_needed = rgb_needed or (width % 2 or height % 2)
        return stream

    def _encode(self, out, stream, frame) -> None:
        if self._rgb_needed:
            rgb = frame.rgb()[: stream.height, : stream.width]
            video = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        else:
            video = frame.video
        if self._first_t is None:
            self._first_t, self.first_index = frame.time, frame.index
        video.pts = int(round((frame.time - self._first_t) / TIME_BASE))  # the recording starts at 0
        video.time_base = TIME_BASE
        for packet in stream.encode(video):
            out.mux(packet)
        self.frames += 1
        self._last_t = frame.time

    def _close_file(self, out) -> None:
        if out is not None:
            try:
                out.close()
            except Exception:
                log.exception("closing the recording %s failed", self.tmp)
                self.error = self.error or f"The recording {self.path.name} could not be finished; see the log."
        if self.frames == 0:
            self.tmp.unlink(missing_ok=True)
            if self.error is None and self.fault is not None:
                self.error = "No picture arrived, so nothing was recorded."
            return
        try:
            os.replace(self.tmp, self.path)
        except OSError as exc:
            log.exception("renaming %s failed", self.tmp)
            self.error = (f"The recording could not be named {self.path.name} ({exc.strerror}); "
                          f"it is kept as {self.tmp}.")
