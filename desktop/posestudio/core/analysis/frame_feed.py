"""The decode thread of an analysis: frames of a source into a bounded queue, stoppable at any time."""

from __future__ import annotations

import logging
import queue
import threading

log = logging.getLogger(__name__)

QUEUE_FRAMES = 8
POLL_S = 0.05                   # how often a blocked queue operation looks at the stop/cancel flag
END = object()                  # put after the last frame


class Decoder(threading.Thread):
    """Reads the frames of `make_frames()` (a source's (index, t, frame) iterator) into a bounded queue until
    the end, an error, or `stop` is set."""

    def __init__(self, source, out: queue.Queue, make_frames, name: str = "posestudio-decode"):
        super().__init__(name=name, daemon=True)
        self.source, self.out, self.stop, self.make_frames = source, out, threading.Event(), make_frames

    def run(self) -> None:
        frames = self.make_frames()
        try:
            for item in frames:
                if not put_until(self.out, item, self.stop):
                    return
            put_until(self.out, END, self.stop)
        except BaseException as exc:  # handed to the consumer, which re-raises it on its own thread
            log.exception("decoding failed")
            put_until(self.out, exc, self.stop)
        finally:
            frames.close()  # closes the decoder now, not whenever the generator is collected


def put_until(out: queue.Queue, item, stop: threading.Event) -> bool:
    """Put `item` on the bounded queue, waiting while it is full; False if `stop` was set first."""
    while not stop.is_set():
        try:
            out.put(item, timeout=POLL_S)
            return True
        except queue.Full:
            continue
    return False


def open_frames(source, start: int = 0, stop: int | None = None, lazy: bool = False, threaded: bool = True):
    """The source's frames [start, stop), on the calling (decode) thread. lazy: as video Frames, which BlazePose
    crops from the decoder's YUV: converting whole frames to RGB took CPU from the model on two cores. Otherwise
    RGB arrays (models that need the whole frame, such as MoveNet), converted here, beside the model; they are
    still decoded as Frames so that a tap on the source (the window's feed) keeps the decoder's planes, which
    the display shrinks for the screen in one pass of the scaler (a third of the CPU of shrinking the RGB).
    Sources without Frames yield RGB arrays. threaded=False: one decoding thread (see VideoSource.frames),
    where the source takes it."""
    args = () if start == 0 and stop is None else (start, stop)
    for options in ({"lazy": True, "threaded": threaded}, {"lazy": True}, {"threaded": threaded}):
        try:
            frames = source.frames(*args, **options)
        except TypeError:  # a stand-in source (tests, wrappers) whose frames() takes fewer options
            continue
        return frames if lazy or "lazy" not in options else _as_rgb(frames)
    return source.frames(*args)


def _as_rgb(frames):
    try:
        for index, t, frame in frames:
            yield index, t, frame.rgb if hasattr(frame, "plane_regions") else frame
    finally:
        frames.close()


def drain(q: queue.Queue) -> None:
    try:
        while True:
            q.get_nowait()
    except queue.Empty:
        pass


def finish(decoder: Decoder, frames: queue.Queue) -> None:
    """Stop the decode thread and wait for it (briefly: it looks at its flag every POLL_S)."""
    decoder.stop.set()
    drain(frames)
    decoder.join(timeout=2.0)
    if decoder.is_alive():
        log.warning("decode thread still running after the analysis ended")


def decoding_failed(source):
    """The sentence for a clip whose decoding failed after it had started (the traceback is in the log)."""
    from posestudio.core.errors import PoseStudioError

    return PoseStudioError(f"Decoding {source.path.name} failed part-way; see the log for details.")


def next_frame(frames: queue.Queue, decoder: Decoder, stopped):
    """The next (index, t, frame) from `decoder`, or END; None when stopped() said so while waiting. An error
    of the decode thread is raised here, as a PoseStudioError with a sentence for the user."""
    from posestudio.core.errors import PoseStudioError

    while not stopped():
        try:
            item = frames.get(timeout=POLL_S)
        except queue.Empty:
            if not decoder.is_alive() and frames.empty():
                raise PoseStudioError("The video stopped decoding unexpectedly; see the log for details.")
            continue
        if isinstance(item, BaseException):
            if isinstance(item, PoseStudioError):
                raise item
            raise decoding_failed(decoder.source) from item
        return item
    return None
