"""The decoder behind the window: exact frames, latest request wins, cache bounded by bytes."""

from __future__ import annotations

import numpy as np

from posestudio.app.frame_loader import FrameCache, FrameLoader
from posestudio.core.video.source import VideoSource


def test_cache_evicts_least_recently_used_within_its_byte_budget():
    frame = np.zeros((10, 10, 3), np.uint8)  # 300 bytes
    cache = FrameCache(max_bytes=1000)
    for i in range(3):
        cache.put(i, frame.copy())
    assert cache.get(0) is not None  # 0 becomes the most recently used
    cache.put(3, frame.copy())
    assert cache.nbytes <= 1000 and len(cache) == 3
    assert 1 not in cache and 0 in cache and 3 in cache


def test_scrubbing_shows_the_last_requested_frame_exactly(qtbot, videos_dir):
    path = videos_dir / "sports2d_demo5_dumbbell_lateral_raise.mp4"
    loader = FrameLoader(str(path))
    shown = []
    loader.frame_ready.connect(lambda i, f: shown.append((i, f)))
    try:
        with qtbot.waitSignal(loader.opened, timeout=10000):
            loader.start()
        qtbot.waitUntil(lambda: any(i == 0 for i, _ in shown), timeout=5000)
        for index in range(100, 400, 7):  # a fast scrub: most of these requests go stale
            loader.request(index)
        last = 394
        qtbot.waitUntil(lambda: shown[-1][0] == last, timeout=10000)
        delivered = {i for i, _ in shown}
        assert len(delivered) < len(range(100, 400, 7)), "stale requests should have been dropped"
        with VideoSource(path) as source:
            assert np.array_equal(shown[-1][1], source.frame_at(last))
        # the frames after it are read ahead, so stepping on is served from the cache at once
        qtbot.waitUntil(lambda: last + 1 in loader.cache, timeout=5000)
        assert loader.request(last + 1) is not None
    finally:
        loader.close()


def test_the_display_decodes_up_to_1080p_on_its_own_thread_and_larger_frames_with_ffmpegs_threads():
    from posestudio.app.frame_loader import _Decoder

    class Source:
        def __init__(self, width, height):
            self.width, self.height, self.asked = width, height, []

        def frames(self, *args, **options):
            self.asked.append((args, options))
            return iter(())

    for (w, h), threaded in (((1280, 720), False), ((1920, 1080), False), ((3840, 2160), True)):
        source = Source(w, h)
        _Decoder._sequence(source, 12)
        assert source.asked == [((12, None), {"lazy": True, "threaded": threaded})]


def test_a_retired_loader_lets_its_frames_go_once_its_thread_has_ended(qtbot, videos_dir):
    """Opening another clip retires the loader: its frames go then, not when a full collection comes round
    for its Python side (with a window doing little that took minutes: four clips opened kept 530 MB)."""
    loader = FrameLoader(str(videos_dir / "sports2d_demo5_dumbbell_lateral_raise.mp4"))
    with qtbot.waitSignal(loader.opened, timeout=10000):
        loader.start()
    loader.set_playing(True, (640, 360))
    loader.request(0)
    qtbot.waitUntil(lambda: len(loader.cache) > 5, timeout=10000)   # read ahead while playing
    cache, feed = loader.cache, loader.feed
    with qtbot.waitSignal(loader.destroyed, timeout=10000):
        loader.retire()
    assert len(cache) == 0 and cache.nbytes == 0 and feed.size is None
