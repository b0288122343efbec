"""The compare playback bench: its counts on made-up ticks, and one short real run of two clips in the window."""

from __future__ import annotations

import pytest

from posestudio.bench.compare_play import loop_stats, pauses


def test_pauses_are_gaps_over_50_ms_between_pictures():
    n, longest = pauses([0.0, 0.033, 0.066, 0.2, 0.233, 0.290])
    assert n == 2 and longest == pytest.approx(134.0)  # 134 ms and 57 ms; 33 ms is a frame on time
    assert pauses([1.0]) == (0, 0.0)


def test_loop_stats_tell_waiting_for_the_machine_from_working():
    ticks = [0.0, 0.001, 0.101, 0.102, 0.302]           # two stalls: 100 ms and 200 ms
    gui = [0.0, 0.001, 0.011, 0.012, 0.012]             # the GUI thread worked 10 ms in the first
    proc = [0.0, 0.001, 0.031, 0.032, 0.062]            # the process 30 ms in each
    s = loop_stats(ticks, gui, proc)
    assert s["over_50ms"] == 2 and s["longest_stall_ms"] == pytest.approx(200.0)
    assert s["longest_busy_ms"] == pytest.approx(10.0) and s["stall_gui_cpu_ms"] == pytest.approx(10.0)
    assert s["stall_cores"] == pytest.approx(60 / 300)  # 60 ms of CPU in 300 ms of stalls


@pytest.mark.slow
def test_two_real_clips_play_and_are_counted(qapp, videos_dir, tmp_path, monkeypatch, require_model):
    from posestudio.app.settings import Settings
    from posestudio.bench.compare_play import run

    require_model("movenet-lightning")
    monkeypatch.setenv("POSESTUDIO_CACHE", str(tmp_path / "cache"))
    settings = Settings()
    settings.model_id = "movenet-lightning"
    clip = videos_dir / "sports2d_demo3_running_side.mp4"
    r = run(qapp, settings, clip, clip, 1.0, 0.2, (0.0, 0.0), tmp_path / "cache")
    assert r["error"] is None
    assert r["sync"] == "events" and r["offset_s"] == 0.0  # the same moment marked in both
    assert 20 <= r["due_a"] <= 40 and r["due_b"] > 0  # about 30 frames fall due in one second
    assert 0 < r["shown_a"] <= r["due_a"] + 1 and 0 < r["shown_b"] <= r["due_b"] + 1
    assert 0 <= r["late_b"] <= r["asked_b"]
