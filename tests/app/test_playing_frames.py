"""While playing, the window shows the frame at the playhead: the analysis's own decoded frame when it has
passed there (converted and scaled to the view on the display's thread), else the display decodes it (straight
to the screen's BGRA, scaled to the view); paused, the exact full-size frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from posestudio.app.display_frames import FedFrame
from posestudio.app.frame_loader import FrameLoader
from posestudio.core.video.source import VideoSource

DUMBBELL = "sports2d_demo5_dumbbell_lateral_raise.mp4"


def _rgb(frame) -> np.ndarray:
    """The picture of a shown frame as RGB (scaled frames are BGRA)."""
    array = np.asarray(frame)
    return cv2.cvtColor(array, cv2.COLOR_BGRA2RGB) if array.shape[2] == 4 else array


def _difference(frame, full: np.ndarray) -> float:
    """Mean absolute difference between a shown picture and a decoded frame shrunk to its size by area
    averaging, as the playing frames are."""
    picture = _rgb(frame)
    h, w = picture.shape[:2]
    expected = full if full.shape[:2] == (h, w) else cv2.resize(full, (w, h), interpolation=cv2.INTER_AREA)
    return float(np.abs(picture.astype(np.int16) - expected.astype(np.int16)).mean())


def assert_is_frame(frame, index: int, source: VideoSource) -> None:
    """The picture is the clip's frame `index` (scaled): closer to it than to the frame before or after."""
    own = _difference(frame, source.frame_at(index))
    near = min(_difference(frame, source.frame_at(j)) for j in (index - 1, index + 1)
               if 0 <= j < source.frame_count)
    # under 2 levels: the scaler shrinks the chroma planes on their own, cv2 the RGB picture
    assert own < 2.0 and own < near, f"frame {index}: differs by {own:.2f} from it, {near:.2f} from a neighbour"


@pytest.fixture
def opened_loader(qtbot, videos_dir):
    """The dumbbell clip's loader, open and its first frame shown; closed after the test."""
    loader = FrameLoader(str(videos_dir / DUMBBELL))
    try:
        with qtbot.waitSignals([loader.opened, loader.frame_ready], timeout=10000):
            loader.start()
        yield loader
    finally:
        loader.close()


def test_the_feed_keeps_only_frames_just_ahead_of_the_playhead_for_the_display_to_convert(
        opened_loader, videos_dir):
    path, loader = videos_dir / DUMBBELL, opened_loader
    loader.close()  # the decoder stops: what lands in the cache here is the feed's
    loader.set_playing(True, (640, 360))
    loader.request(100)   # the playhead
    loader.feed.stop = 110  # a small horizon, to see its end
    with VideoSource(path) as source:
        for index, _t, frame in source.frames(95, 115, lazy=True):
            frame.rgb  # what a model that wants the whole frame (MoveNet) has made of it
            loader.feed.offer(index, frame)
        assert loader.feed.taken == 10
        assert all(i in loader.cache for i in range(100, 110))
        assert not any(i in loader.cache for i in (95, 99, 110, 114))
        # kept as decoded, apart from what the analysis converted: its thread does no converting for the
        # display, the cache holds the YUV 4:2:0 planes, and the view cannot paint it yet
        kept = loader.cache.get(105)
        assert isinstance(kept, FedFrame) and kept.fed and kept.frame._rgb is None
        assert kept.nbytes == 1280 * 720 * 3 // 2
        assert loader.request(105) is None
        # the display's thread makes it the playing picture: scaled, BGRA, still marked as the analysis's
        shown = loader._decoder._from_fed(kept)
        assert not shown.full and shown.fed and shown.shape == (360, 640, 4) and shown.source_size == (1280, 720)
        assert_is_frame(shown, 105, source)
        # an RGB array (a source without decoded frames) is left to the display, and is not feeding it
        loader.feed.offered_at = -1e9
        loader.feed.stop = 120
        loader.feed.offer(111, source.frame_at(111))
        assert 111 not in loader.cache and not loader.feed.feeding()
    loader.set_playing(False)
    assert loader.request(105) is None  # a still wants the full-size frame: decoded again


def test_a_fed_frame_reaches_the_playing_view_through_the_display_thread(opened_loader, qtbot, videos_dir):
    path, loader = videos_dir / DUMBBELL, opened_loader
    loader.set_playing(True, (640, 360))
    loader.request(300)
    # past what the display reads ahead of frame 300 by itself (at most 45), inside what the feed keeps
    with VideoSource(path) as source:
        for index, _t, frame in source.frames(380, 383, lazy=True):
            loader.feed.offer(index, frame)
        assert isinstance(loader.cache.peek(381), FedFrame)
        with qtbot.waitSignal(loader.frame_ready, timeout=10000,
                              check_params_cb=lambda i, _f: i == 381) as blocker:
            assert loader.request(381) is None   # not paintable yet: the display's thread converts it
        _index, frame = blocker.args
        assert frame.fed and not frame.full and frame.shape == (360, 640, 4)
        assert_is_frame(frame, 381, source)
        assert loader.cache.peek(381) is frame


def test_the_display_reads_only_a_few_frames_ahead_while_the_analysis_feeds_it(qtbot, videos_dir, monkeypatch):
    """Reading 45 frames ahead, the display's decoder stayed in front of an analysis barely faster than
    playback and decoded its frames a second time; while frames are offered it reads FEED_AHEAD ahead."""
    import posestudio.app.frame_loader as fl

    loader = FrameLoader(str(videos_dir / DUMBBELL))
    try:
        with qtbot.waitSignal(loader.opened, timeout=10000):
            loader.start()
        loader.set_playing(True, (640, 360))
        playing_ahead = loader._decoder._ahead
        assert playing_ahead > fl.FEED_AHEAD
        loader.request(10)
        assert loader._decoder._ahead == playing_ahead   # nothing offered yet
        with VideoSource(videos_dir / DUMBBELL) as source:
            loader.feed.offer(12, next(source.frames(12, 13, lazy=True))[2])
        loader.request(11)
        assert loader._decoder._ahead == fl.FEED_AHEAD
        monkeypatch.setattr(fl, "FEEDING_S", 0.0)  # the analysis has stopped offering
        loader.request(12)
        assert loader._decoder._ahead == playing_ahead
    finally:
        loader.close()


@pytest.mark.slow
def test_playing_while_analysing_shows_the_playheads_frame(window, open_clip, qtbot, videos_dir, require_model):
    require_model("movenet-lightning")
    window.panel.set_model("movenet-lightning")
    window.settings.model_id = "movenet-lightning"
    path = videos_dir / DUMBBELL
    shown = []   # (frame index shown, transport's frame then, picture)
    original = window.view.set_frame

    def recording_set_frame(index, frame):
        shown.append((index, window.playback.index, frame))
        original(index, frame)

    window.view.set_frame = recording_set_frame
    open_clip(window, path)
    qtbot.waitUntil(lambda: window.session.result is not None, timeout=60000)  # the analysis is under way
    # from a little ahead of the analysis, slower than it runs even on a loaded machine: it overtakes the
    # playhead, and from then on its frames are the ones shown
    window.playback.seek(int(window.session.result.analysed.sum()) + 20)
    window.playback.set_speed(0.1)
    before = len(shown)
    window.playback.play()

    def fed_frames():
        return [(i, c, f) for i, c, f in shown[before:] if getattr(f, "fed", False)]

    qtbot.waitUntil(lambda: len(fed_frames()) >= 5, timeout=90000)
    window.playback.pause()
    played, fed = shown[before:], fed_frames()
    assert all(index <= current for index, current, _ in played), "a frame after the playhead was shown"
    assert all(i == c for i, c, _ in fed)  # taken at once from what the analysis left: never late
    # the display decoder's own frames while playing: BGRA from its scaler, at the picture's size
    size = window.view.picture_size()
    assert any(f.shape == (size[1], size[0], 4) and not f.full and not f.fed for _, _, f in played)
    with VideoSource(path) as source:
        for index, _current, frame in fed[:: max(1, len(fed) // 6)] + played[:: max(1, len(played) // 6)]:
            assert_is_frame(frame, index, source)
        # paused: the transport's frame, exact and full size
        stop = window.playback.index
        qtbot.waitUntil(lambda: window.view.frame_index == stop
                        and getattr(window.view.displayed_frame(), "full", True), timeout=10000)
        assert np.array_equal(window.view.displayed_frame(), source.frame_at(stop))


def test_playing_frames_are_made_at_the_pictures_size_and_again_after_a_zoom(qtbot, videos_dir):
    path = videos_dir / DUMBBELL
    loader = FrameLoader(str(path))
    got = {}
    loader.frame_ready.connect(lambda i, f: got.__setitem__(i, f))
    try:
        with qtbot.waitSignal(loader.opened, timeout=10000):
            loader.start()
        loader.set_playing(True, (640, 360))
        loader.request(30)
        qtbot.waitUntil(lambda: 30 in got, timeout=10000)
        small = got.pop(30)
        assert small.shape == (360, 640, 4) and not small.full and not small.fed
        loader.set_playing(True, (960, 540))   # zoomed in while playing: the old size will not do
        loader.request(30)
        qtbot.waitUntil(lambda: 30 in got, timeout=10000)
        assert got[30].shape == (540, 960, 4)
        with VideoSource(path) as source:
            assert_is_frame(small, 30, source)
            assert_is_frame(got[30], 30, source)
    finally:
        loader.close()


def test_a_fed_frame_that_cannot_be_converted_is_decoded_by_the_display_instead(
        opened_loader, qtbot, videos_dir):
    class Broken:
        decoded_bytes = 100

        def bgra(self, _reformatter=None):
            raise RuntimeError("no pixels")

    path, loader = videos_dir / DUMBBELL, opened_loader
    loader.set_playing(True, (640, 360))
    loader.request(300)
    loader.cache.put(381, FedFrame(Broken()))
    with qtbot.waitSignal(loader.frame_ready, timeout=10000, check_params_cb=lambda i, _f: i == 381) as blocker:
        loader.request(381)
    _index, frame = blocker.args
    assert not frame.fed and frame.shape == (360, 640, 4)
    with VideoSource(path) as source:
        assert_is_frame(frame, 381, source)