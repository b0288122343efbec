"""A live source: a camera or a network stream, read on its own thread, the newest frame handed over.

Sources: a camera index ("0") or device path ("/dev/video0") through PyAV's device input (v4l2 on
Linux, avfoundation on macOS, dshow on Windows, where the device is named: "video=Integrated Camera"),
or a URL (rtsp://, http(s)://, udp://, tcp://, typically MPEG-TS).

Threads: `start()` runs the capture thread. It decodes every frame, gives it to the listeners (the
recorder) on that thread, and puts it in a one-frame hand-over slot: a newer frame replaces an untaken
one, which counts as dropped, so a slow consumer always gets the newest frame and never falls behind.
`take()` (any one consumer thread) waits for the next frame. When the source ends or fails, `fault`
holds one sentence and `ended` is set; listeners get `end(fault)`.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

import av
import numpy as np

from posestudio.core.errors import PoseStudioError

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 5.0
URL_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https", "udp", "tcp", "srt", "rtp")


class LiveSourceError(PoseStudioError):
    """A camera or stream cannot be opened."""


@dataclass
class LiveFrame:
    index: int                # position among the frames received: the frame's index in the recording
    time: float               # seconds since the first frame, on the source's own clock
    received: float           # time.monotonic() when it was decoded here; latency counts from this
    video: av.VideoFrame = field(repr=False)
    turns: int = 0            # counterclockwise quarter turns that make it upright

    def rgb(self) -> np.ndarray:
        """The upright picture, (H, W, 3) uint8 (converted on each call: only taken frames pay for it)."""
        rgb = self.video.to_ndarray(format="rgb24")
        return np.ascontiguousarray(np.rot90(rgb, self.turns)) if self.turns else rgb


class FrameListener(Protocol):
    def put(self, frame: LiveFrame) -> None: ...      # on the capture thread: must not block
    def end(self, fault: str | None) -> None: ...


def describe(spec: str) -> tuple[str, str | None, dict]:
    """(what av.open gets, its format or None, options) for a camera index, device or URL."""
    spec = str(spec).strip()
    scheme = spec.split("://", 1)[0].lower() if "://" in spec else ""
    if scheme in URL_SCHEMES:
        # (no fflags=nobuffer: it discards the packets read while probing, the first keyframe among them,
        # and nothing decodes until the next keyframe, which can be seconds away)
        options = {}
        if scheme.startswith("rtsp"):
            options["rtsp_transport"] = "tcp"  # UDP RTP loses packets on busy networks; cameras all speak TCP
        return spec, None, options
    if not scheme and not spec.isdigit() and os.path.isfile(spec) and not spec.startswith("/dev/"):
        raise LiveSourceError(f"'{spec}' is a file, not a camera or stream; open a video file with `posestudio "
                              f"FILE` or analyse it with `posestudio analyze`.")
    if scheme:
        raise LiveSourceError(f"'{spec}' is not a stream Pose Studio can open; give a camera number or an "
                              f"rtsp://, http://, udp:// or tcp:// address.")
    if sys.platform.startswith("linux"):
        device = f"/dev/video{int(spec)}" if spec.isdigit() else spec
        return device, "v4l2", {}
    if sys.platform == "darwin":
        return (f"{spec}:none" if spec.isdigit() else spec), "avfoundation", {"framerate": "30"}
    if sys.platform.startswith("win"):
        if spec.isdigit():
            raise LiveSourceError("On Windows give the camera by name, e.g. \"video=Integrated Camera\" "
                                  "(ffmpeg -list_devices true -f dshow -i dummy lists them).")
        return spec, "dshow", {}
    raise LiveSourceError(f"Cameras are not supported on {sys.platform}; give a stream address instead.")


def _open_failed(spec: str, exc: Exception, timeout: float, camera: bool) -> LiveSourceError:
    if isinstance(exc, (av.ExitError, TimeoutError)):
        return LiveSourceError(f"'{spec}' sent nothing within {timeout:g} s; check that the camera or stream "
                               "is on and the address is right.")
    if isinstance(exc, ConnectionRefusedError):
        return LiveSourceError(f"Nothing answers at '{spec}' (connection refused); check that the stream is "
                               "running and the address and port are right.")
    if isinstance(exc, av.HTTPNotFoundError):
        return LiveSourceError(f"There is no stream at '{spec}' (the server says not found); check the address.")
    if isinstance(exc, (av.HTTPUnauthorizedError, av.HTTPForbiddenError)):
        return LiveSourceError(f"The server at '{spec}' refuses access; put the user name and password in the "
                               "address (rtsp://user:password@host/...) or check them.")
    if isinstance(exc, FileNotFoundError):
        if camera:
            return LiveSourceError(f"There is no camera '{spec}'; check that it is plugged in, or give another "
                                   "number.")
        return LiveSourceError(f"There is no stream at '{spec}'; check the address.")
    if isinstance(exc, PermissionError):
        what = "the camera" if camera else "the stream"
        return LiveSourceError(f"Pose Studio may not use {what} '{spec}'; allow access and try again.")
    return LiveSourceError(f"'{spec}' cannot be opened as a live source ({exc.__class__.__name__}); check the "
                           "address or camera and try again.")


class LiveSource:
    """An opened camera or stream; see the module docstring for the threads."""

    def __init__(self, spec, open_timeout: float = OPEN_TIMEOUT_S, read_timeout: float = READ_TIMEOUT_S):
        self.spec = str(spec)
        self.read_timeout = read_timeout
        target, fmt, options = describe(self.spec)
        self.is_camera = fmt is not None
        try:
            self._container = av.open(target, format=fmt, options=options, timeout=(open_timeout, read_timeout))
        except (av.FFmpegError, OSError) as exc:
            log.warning("opening live source %s failed", self.spec, exc_info=True)
            raise _open_failed(self.spec, exc, open_timeout, self.is_camera) from None
        if not self._container.streams.video:
            self._container.close()
            raise LiveSourceError(f"'{self.spec}' carries no video; check the address.")
        self._stream = self._container.streams.video[0]
        ctx = self._stream.codec_context
        self.width, self.height = int(ctx.width or 0), int(ctx.height or 0)
        rate = self._stream.average_rate or self._stream.guessed_rate or self._stream.base_rate
        self.nominal_fps = float(rate) if rate and 1 <= float(rate) <= 240 else 30.0
        self.listeners: list[FrameListener] = []
        self.fault: str | None = None
        self.ended = threading.Event()
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._slot: LiveFrame | None = None
        self.received = 0
        self.times: list[float] = []  # every received frame's time, by index
        self.taken = 0
        self._replaced = 0
        self._last_received: float | None = None
        self._thread: threading.Thread | None = None
        log.info("opened live source %s: %s %dx%d %.3f fps", self.spec, ctx.name, self.width, self.height,
                 self.nominal_fps)

    # ----- counters -----
    @property
    def dropped(self) -> int:
        """Frames replaced before anyone took them (after stop, also the one left in the slot)."""
        with self._cond:
            left = 1 if self._slot is not None and self.ended.is_set() else 0
            return self._replaced + left

    @property
    def received_fps(self) -> float:
        """Frames per second received, on the source's clock (the burst of frames read while the stream was
        probed does not inflate it, as it would on the wall clock)."""
        with self._cond:
            n, span = self.received, (self.times[-1] - self.times[0]) if self.times else 0.0
        return (n - 1) / span if n > 1 and span > 0 else 0.0

    def add_listener(self, listener: FrameListener) -> None:
        """From now on `listener` gets every frame (from the next one on) and the end."""
        self.listeners = self.listeners + [listener]  # a new list: the capture thread may be iterating the old

    def remove_listener(self, listener: FrameListener) -> None:
        self.listeners = [x for x in self.listeners if x is not listener]

    # ----- the capture thread -----
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._capture, name="posestudio-live-capture", daemon=True)
        self._thread.start()

    def _capture(self) -> None:
        fault = None
        turns = None
        last_t = None
        first_pts_t = None
        try:
            for packet in self._container.demux(self._stream):
                if self._stop.is_set():
                    break
                try:
                    frames = packet.decode()
                except av.InvalidDataError:  # one damaged packet (lost datagrams): skip it, keep going
                    log.warning("a damaged packet from %s was skipped", self.spec)
                    continue
                for frame in frames:
                    now = time.monotonic()
                    if turns is None:
                        turns = int(round((frame.rotation or 0) / 90.0)) % 4
                    # the source's own clock; arrival time where it has none or goes backwards
                    t = frame.time
                    if t is not None and first_pts_t is None:
                        first_pts_t = t
                    t = None if t is None else t - first_pts_t
                    if t is None or (last_t is not None and t <= last_t):
                        t = (last_t + max(now - self._last_received, 1e-3)) if last_t is not None else 0.0
                    last_t = t
                    self._deliver(LiveFrame(self.received, t, now, frame, turns))
            if not self._stop.is_set():
                fault = ("The camera stopped sending pictures." if self.is_camera
                         else f"The stream '{self.spec}' ended.")
        except (av.ExitError, TimeoutError):
            if not self._stop.is_set():
                log.warning("live source %s timed out", self.spec, exc_info=True)
                fault = f"'{self.spec}' sent nothing for {self.read_timeout:g} s; the recording stops here."
        except Exception as exc:  # any decoder or network failure ends the capture with one sentence
            log.exception("live source %s failed", self.spec)
            fault = f"'{self.spec}' failed ({exc.__class__.__name__}); the recording stops here."
        finally:
            self.fault = fault
            try:
                self._container.close()
            except Exception:
                log.warning("closing %s failed", self.spec, exc_info=True)
            for listener in list(self.listeners):
                try:
                    listener.end(fault)
                except Exception:
                    log.exception("a live listener failed at the end")
            with self._cond:
                self.ended.set()
                self._cond.notify_all()

    def _deliver(self, frame: LiveFrame) -> None:
        for listener in self.listeners:
            listener.put(frame)
        with self._cond:
            if self._slot is not None:
                self._replaced += 1
            self._slot = frame
            self.received += 1
            self.times.append(frame.time)
            self._last_received = frame.received
            self._cond.notify_all()

    # ----- the consumer side -----
    def take(self, timeout: float | None = None) -> LiveFrame | None:
        """The newest frame not taken yet, waiting up to `timeout`; None on timeout or once the source ended."""
        with self._cond:
            if self._slot is None and not self.ended.is_set():
                self._cond.wait(timeout)
            frame, self._slot = self._slot, None
            if frame is not None:
                self.taken += 1
            return frame

    def stop(self, timeout: float | None = None) -> None:
        """Stop capturing and wait for the thread (a silent stream may take up to its read timeout)."""
        self._stop.set()
        if self._thread is None:
            self._container.close()
            self.ended.set()
            return
        self._thread.join(self.read_timeout + 1.0 if timeout is None else timeout)
        if self._thread.is_alive():
            log.warning("live capture of %s did not stop in time", self.spec)

    def __enter__(self) -> LiveSource:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
