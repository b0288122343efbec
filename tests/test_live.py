"""The live pipeline on real streams served on 127.0.0.1 from the test clips (no camera on the test machine)."""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
import sys
import threading
import time

import av
import numpy as np
import pytest

from live_stream import served
from posestudio.bench.stream_serve import free_port
from posestudio.core.analysis.cache import load_cached
from posestudio.core.analysis.live import LiveAnalysis
from posestudio.core.kinematics.one_euro import OneEuroFilter, lag_s
from posestudio.core.video.live import LiveSource
from posestudio.core.video.source import VideoSource

CLIP = "mmaction2_basketball_gym_240p.mp4"  # 426x240 at 29.97 fps: the smallest real clip with people
MODEL = "movenet-lightning"
STAT_NAMES = ["received_fps", "analysed_fps", "dropped", "latency_p50_ms", "latency_p95_ms"]


def _decoded_frames(path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def _open(url: str) -> LiveSource:
    return LiveSource(url, open_timeout=10.0, read_timeout=5.0)


@pytest.mark.slow
def test_stream_is_analysed_recorded_and_opens_with_its_analysis(videos_dir, require_model, tmp_path):
    require_model(MODEL)
    seen: dict[int, list[np.ndarray]] = {}
    with served(videos_dir / CLIP, seconds=3.0) as (url, _):
        live = LiveAnalysis(_open(url), MODEL, record_to=tmp_path / "rec.mp4",
                            on_pose=lambda pose: seen.__setitem__(pose.frame.index,
                                                                  [p.keypoints.copy() for p in pose.people]))
        summary = live.run(seconds=30.0)
    stats = summary.stats
    assert summary.fault is not None and "ended" in summary.fault  # the 3 s clip ended, no one pressed stop
    assert 80 <= stats.received <= 95  # 3 s at 29.97 fps (cut by decode time: ~90)
    assert stats.analysed + stats.dropped == stats.received
    assert stats.analysed == len(seen) > 0
    assert 0 < stats.latency_p50_ms <= stats.latency_p95_ms < 2000
    assert stats.received_fps == pytest.approx(29.97, rel=0.05)

    rec = summary.recording.report
    assert rec.path == tmp_path / "rec.mp4" and rec.error is None and rec.lost == 0 and rec.first_index == 0
    assert rec.frames == stats.received == _decoded_frames(rec.path)
    with VideoSource(rec.path) as clip:
        assert clip.frame_count == stats.received
        assert (clip.width, clip.height) == (426, 240)
        np.testing.assert_allclose(clip.timestamps, live.source.times, atol=1e-4)
        cached = load_cached(clip, MODEL)
    assert cached is not None and cached.complete
    assert summary.recording.analysis_path == tmp_path / "rec.npz" and summary.recording.analysis_path.is_file()
    for index, people in seen.items():
        for slot, kp in enumerate(people):
            np.testing.assert_array_equal(cached.keypoints[index, slot], kp)


def _wait_for(source, frames: int, limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while source.received < frames and time.monotonic() < deadline:
        time.sleep(0.02)
    assert source.received >= frames, "the test stream did not deliver"


@pytest.mark.slow
def test_recording_started_and_stopped_during_a_live_session(videos_dir, require_model, tmp_path):
    require_model(MODEL)
    seen: dict[int, list[np.ndarray]] = {}
    with served(videos_dir / CLIP, seconds=60.0, loop=True) as (url, _):  # torn down when done, long before 60 s
        live = LiveAnalysis(_open(url), MODEL, on_pose=lambda pose: seen.__setitem__(
            pose.frame.index, [p.keypoints.copy() for p in pose.people]))
        live.start()
        _wait_for(live.source, 20)
        before = live.source.received
        live.start_recording(tmp_path / "take.mp4")
        _wait_for(live.source, before + 50)
        asked = live.source.received
        take = live.stop_recording()
        after = live.source.received
        _wait_for(live.source, after + 15)  # the live analysis goes on after the recording stopped
        summary = live.finish()
    report = take.report
    first, n = report.first_index, report.frames
    # every frame from the first one recorded until stop was asked for is in the file
    assert before <= first < before + 20 and asked <= first + n <= after and report.error is None
    assert summary.recording is None and summary.stats.received >= after + 15
    assert _decoded_frames(report.path) == n
    times = np.array(live.source.times[first:first + n])
    with VideoSource(report.path) as clip:
        assert clip.frame_count == n
        np.testing.assert_allclose(clip.timestamps, times - times[0], atol=1e-4)
        cached = load_cached(clip, MODEL)
    assert cached is not None and cached.complete and cached.frame_count == n
    live_in_take = {i: people for i, people in seen.items() if first <= i < first + n}
    assert live_in_take
    for index, people in live_in_take.items():
        for slot, kp in enumerate(people):
            np.testing.assert_array_equal(cached.keypoints[index - first, slot], kp)


def test_stream_killed_mid_recording_leaves_a_playable_file(videos_dir, require_model, tmp_path):
    require_model(MODEL)
    with served(videos_dir / CLIP, seconds=8.0) as (url, server):
        ended: list = []
        live = LiveAnalysis(_open(url), MODEL, record_to=tmp_path / "cut.mp4", on_end=ended.append)
        live.start()
        deadline = time.monotonic() + 20
        while live.source.received < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()
        deadline = time.monotonic() + 10
        while not ended and time.monotonic() < deadline:
            time.sleep(0.02)
        summary = live.finish()
    assert summary.fault and "ended" in summary.fault
    assert ended == [summary.fault]  # the window learns of it from the analysis thread
    received = summary.stats.received
    assert 40 <= received < 230  # cut well before the 8 s were sent
    assert summary.recording.report.frames == received == _decoded_frames(tmp_path / "cut.mp4")
    with VideoSource(tmp_path / "cut.mp4") as clip:
        assert clip.frame_count == received and clip.note is None


def _posestudio(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "posestudio", *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("scheme", ["tcp", "udp"])
@pytest.mark.slow
def test_source_that_does_not_answer_is_one_sentence(scheme):
    url = f"{scheme}://127.0.0.1:{free_port()}"  # tcp: refused at once; udp: nothing ever arrives
    began = time.monotonic()
    proc = _posestudio("live", url, "--seconds", "2")
    assert time.monotonic() - began < 15  # the open timeout is 5 s
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and url in lines[0] and "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.slow
def test_cli_prints_the_counters_and_writes_the_data(videos_dir, require_model, tmp_path):
    require_model(MODEL)
    with served(videos_dir / CLIP, seconds=20.0) as (url, _):
        proc = _posestudio("live", url, "--model", MODEL, "--seconds", "3", "--data", str(tmp_path / "live.json"),
                           "--record", str(tmp_path / "take.mp4"))
    assert proc.returncode == 0, proc.stderr
    assert f"frames to {tmp_path / 'take.mp4'} and its analysis to {tmp_path / 'take.npz'}." in proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert [line.split(": ")[0] for line in lines] == STAT_NAMES
    values = {name: float(line.split(": ")[1]) for name, line in zip(STAT_NAMES, lines)}
    assert values["received_fps"] == pytest.approx(29.97, rel=0.05)
    assert 0 < values["analysed_fps"] <= values["received_fps"]
    assert 0 < values["latency_p50_ms"] <= values["latency_p95_ms"] < 2000
    data = json.loads((tmp_path / "live.json").read_text())
    live = data["live"]
    assert live["analysed"] + live["dropped"] == live["received"] == data["frame_count"]
    with VideoSource(tmp_path / "take.mp4") as clip:
        assert clip.frame_count == live["received"] and load_cached(clip, MODEL) is not None
    assert live["dropped"] == values["dropped"] and len(data["frames"]) == live["analysed"]
    assert all(f["latency_ms"] > 0 for f in data["frames"])
    people = [p for f in data["frames"] for p in f["people"]]
    assert people and all("left_knee" in p["angles"] for p in people)


def test_one_euro_is_causal_and_lags_as_documented():
    t = np.arange(0, 3, 1 / 30)
    ramp = 90.0 * t  # a joint turning steadily at 90 deg/s
    f = OneEuroFilter()
    out = np.array([f(x, s) for x, s in zip(ramp, t)])
    # steady state: the output trails the ramp by the documented lag
    trail = (ramp[-30:] - out[-30:]) / 90.0
    assert trail.mean() == pytest.approx(lag_s(90.0), rel=0.15)
    # causal: changing the future leaves the past output unchanged
    g = OneEuroFilter()
    changed = np.concatenate([ramp[:45], ramp[45:] + 50.0])
    out2 = np.array([g(x, s) for x, s in zip(changed, t)])
    np.testing.assert_array_equal(out2[:45], out[:45])
    assert not np.allclose(out2[45:], out[45:])
    assert math.isnan(f(float("nan"), 3.1))


@pytest.mark.slow
def test_udp_stream_that_falls_silent_ends_the_recording_playable(videos_dir, require_model, tmp_path):
    require_model(MODEL)
    with served(videos_dir / CLIP, seconds=8.0, protocol="udp", delay=2.0) as (url, server):
        source = LiveSource(url, open_timeout=10.0, read_timeout=1.5)  # listening before the first datagram
        live = LiveAnalysis(source, MODEL, record_to=tmp_path / "udp.mp4")
        live.start()
        deadline = time.monotonic() + 20
        while source.received < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()
        began = time.monotonic()
        source.ended.wait(10)
        silent_for = time.monotonic() - began
        summary = live.finish()
    assert 1.0 < silent_for < 5.0  # the read timeout, not a hang
    assert summary.fault and "sent nothing for 1.5 s" in summary.fault
    received = summary.stats.received
    assert 30 <= received < 230
    assert summary.recording.report.frames == received == _decoded_frames(tmp_path / "udp.mp4")


class _Slow:
    """A real estimator that takes at least 100 ms a frame, as a heavy model on a slow machine would."""

    def __init__(self, inner):
        self.inner = inner
        self.keypoint_set, self.max_people = inner.keypoint_set, inner.max_people

    def reset(self):
        self.inner.reset()

    def estimate(self, rgb):
        time.sleep(0.1)
        return self.inner.estimate(rgb)


@pytest.mark.slow
def test_a_model_that_cannot_keep_up_is_named_with_a_faster_one(videos_dir, require_model, tmp_path):
    require_model("movenet-thunder")
    from posestudio.core.models.pose import create_estimator

    with served(videos_dir / CLIP, seconds=3.5) as (url, _):
        live = LiveAnalysis(_open(url), "movenet-thunder", estimator=_Slow(create_estimator("movenet-thunder")))
        summary = live.run(seconds=30.0)
    stats = summary.stats
    assert stats.analysed <= stats.received / 3 and stats.dropped == stats.received - stats.analysed
    assert stats.latency_p50_ms >= 100
    advice = [n for n in summary.notes if "movenet-thunder keeps up with only" in n]
    assert len(advice) == 1 and "choose movenet-lightning" in advice[0]


def test_camera_that_does_not_exist_is_one_sentence():
    proc = _posestudio("live", "7", "--seconds", "1")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "camera" in proc.stderr


def test_skipped_frames_are_completed_from_the_file_with_the_live_ids(videos_dir, require_model):
    require_model(MODEL)
    from posestudio.core.analysis.live_fill import fill_skipped
    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.models.pose import create_estimator

    clip = videos_dir / "sports2d_demo3_running_side.mp4"  # one runner, 47 frames
    full = analyse_video(clip, MODEL)
    live = analyse_video(clip, MODEL)
    skipped = np.arange(live.frame_count) % 3 != 0  # as if the model kept one frame in three
    live.keypoints[skipped] = np.nan
    live.person_scores[skipped] = np.nan
    live.person_ids[skipped] = -1
    live.analysed[skipped] = False
    kept = live.keypoints[~skipped].copy()
    with VideoSource(clip) as source:
        filled = fill_skipped(live, source, create_estimator(MODEL))
    assert filled == skipped.sum() and live.complete
    np.testing.assert_array_equal(live.keypoints[~skipped], kept)  # the live frames keep their poses
    found = skipped & (live.person_ids[:, 0] >= 0)
    assert found.sum() >= 0.9 * (skipped & (full.person_ids[:, 0] >= 0)).sum() > 20  # she runs out at frame 33
    assert set(live.person_ids[found, 0]) <= set(live.person_ids[~skipped, 0])  # nobody new: the same runner
    # the same frames analysed in one sequential run agree to within a few pixels
    both = found & (full.person_ids[:, 0] >= 0)
    error = np.linalg.norm(live.keypoints[both, 0, :, :2] - full.keypoints[both, 0, :, :2], axis=-1)
    assert np.nanmedian(error) < 5.0


def test_recorder_writes_a_sideways_camera_upright_at_its_timestamps(videos_dir, tmp_path):
    from posestudio.core.video.live import LiveFrame
    from posestudio.core.video.recorder import Recorder

    phone = videos_dir / "awkward" / "phone_rotated90_running.mov"  # stored 352x480, shown 480x352
    recorder = Recorder(tmp_path / "upright.mp4", fps_hint=30.0)
    times = []
    with av.open(str(phone)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            times.append(frame.time)
            turns = int(round(frame.rotation / 90.0)) % 4
            recorder.put(LiveFrame(i, frame.time - times[0], time.monotonic(), frame, turns))
    report = recorder.close()
    assert report.error is None and report.frames == len(times) and report.first_index == 0
    with VideoSource(phone) as original, VideoSource(report.path) as recorded:
        assert (recorded.width, recorded.height) == (original.width, original.height) == (480, 352)
        assert recorded.frame_count == original.frame_count
        np.testing.assert_allclose(recorded.timestamps, np.array(times) - times[0], atol=1e-4)
        for i in (0, recorded.frame_count - 1):
            diff = np.abs(recorded.frame_at(i).astype(int) - original.frame_at(i).astype(int))
            assert diff.mean() < 6  # the same upright picture, up to H.264 at crf 20


@pytest.mark.slow
def test_recording_survives_the_process_being_killed(videos_dir, require_model, tmp_path):
    require_model(MODEL)
    import signal

    with served(videos_dir / CLIP, seconds=30.0) as (url, _):
        proc = subprocess.Popen([sys.executable, "-m", "posestudio", "live", url, "--model", MODEL,
                                 "--record", str(tmp_path / "take.mp4")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            partial = tmp_path / ".take.recording.mp4"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (not partial.exists() or partial.stat().st_size < 150_000):
                time.sleep(0.1)  # a few one-second fragments written
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
    assert not (tmp_path / "take.mp4").exists()  # never finished...
    frames = 0  # ...yet what was written plays, up to a fragment the kill may have cut
    with av.open(str(partial)) as c:
        with contextlib.suppress(av.InvalidDataError):
            for _ in c.decode(video=0):
                frames += 1
    assert frames >= 30
    with VideoSource(partial) as clip:
        assert clip.frame_count == frames and (clip.width, clip.height) == (426, 240)
        assert clip.note is None or "ends early" in clip.note
