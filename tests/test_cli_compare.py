"""`posestudio compare` and `posestudio cycles` as a user runs them: real clips, real models, bad input."""

from __future__ import annotations

import csv

import av
import numpy as np
import pytest

from posestudio.cli import main
from test_sync import make_cut_clip

MODEL = "movenet-lightning"
DUMBBELL = "sports2d_demo5_dumbbell_lateral_raise.mp4"
RUNNING = "sports2d_demo3_running_side.mp4"


def _printed(out: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def _one_sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.slow
def test_compare_recovers_the_cut_and_writes_the_clip_and_the_aligned_numbers(videos_dir, tmp_path, require_model,
                                                                                capsys):
    require_model(MODEL)
    cut = tmp_path / "cut.mp4"
    make_cut_clip(videos_dir / DUMBBELL, cut, 1.0, 20)
    out, data = tmp_path / "both.mp4", tmp_path / "aligned.csv"
    rc = main(["compare", str(videos_dir / DUMBBELL), str(cut), "-o", str(out), "--data", str(data),
               "--model", MODEL, "--height", "240", "-q"])
    assert rc == 0
    printed = _printed(capsys.readouterr().out)
    assert abs(float(printed["offset_s"]) + 1.0) < 1 / 29.97  # within a frame of the second cut off
    assert float(printed["similarity"].split()[0]) > 0.8 and "correlation" in printed["similarity"]
    rows = _rows(data)
    head = rows[0]
    assert head[:2] == ["time_s", "b_time_s"] and "a_left_shoulder" in head and "b_left_shoulder" in head
    t = np.array([float(r[0]) for r in rows[1:]])
    tb = np.array([float(r[1]) for r in rows[1:]])
    assert np.allclose(tb - t, float(printed["offset_s"]), atol=1e-3)
    assert t[0] == pytest.approx(1.0, abs=0.05)  # A's moments B also shows: from A's second 1 on
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        frames = sum(1 for _ in c.decode(s))
        assert s.codec_context.name == "h264" and s.height == 240 and s.width == 2 * 426
    assert frames == len(rows) - 1  # one picture per aligned moment


def test_compare_with_marked_moments_on_the_same_clip(videos_dir, tmp_path, require_model, capsys):
    require_model(MODEL)
    out = tmp_path / "same.mp4"
    video = str(videos_dir / RUNNING)
    assert main(["compare", video, video, "-o", str(out), "--sync", "0.4,0.4", "--model", MODEL, "-q"]) == 0
    printed = _printed(capsys.readouterr().out)
    assert float(printed["offset_s"]) == 0.0
    assert float(printed["similarity"].split()[0]) == pytest.approx(1.0)  # a clip is in step with itself
    assert out.is_file()
    # analysed once into the window's cache; `cycles` with the same model reads it instead of analysing again
    from posestudio.core.analysis.cache import cached_result_path
    from posestudio.core.video.source import fingerprint

    cached = cached_result_path(fingerprint(videos_dir / RUNNING), MODEL)
    stamp = cached.stat().st_mtime_ns
    assert main(["cycles", video, "-o", str(tmp_path / "c.csv"), "--model", MODEL, "-q"]) == 0
    assert cached.stat().st_mtime_ns == stamp


def test_compare_by_time_warping_a_clip_with_itself(videos_dir, tmp_path, require_model, capsys):
    require_model(MODEL)
    video = str(videos_dir / RUNNING)
    data = tmp_path / "warped.csv"
    assert main(["compare", video, video, "-o", str(tmp_path / "w.mp4"), "--sync", "dtw", "--data", str(data),
                 "--model", MODEL, "-q"]) == 0
    printed = _printed(capsys.readouterr().out)
    assert abs(float(printed["offset_s"])) < 1 / 60 and float(printed["similarity"].split()[0]) > 0.99
    rows = _rows(data)[1:]
    assert max(abs(float(r[1]) - float(r[0])) for r in rows) < 1 / 29.97  # the path is the diagonal


def test_cycles_of_the_running_clip(videos_dir, tmp_path, require_model, capsys):
    require_model("blazepose-full")
    out = tmp_path / "cycles.csv"
    assert main(["cycles", str(videos_dir / RUNNING), "-o", str(out), "--angles", "left_knee,right_knee", "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("left: 1 stride, 0.") and "s per stride" in lines[0]
    assert lines[1].startswith("right: 0 strides")  # the clip is too short for a stride of that foot
    rows = _rows(out)
    assert rows[0] == ["clip", "person", "angle", "cycle_pct", "mean", "sd", "n"]
    assert {r[2] for r in rows[1:]} == {"left_knee"} and [int(r[3]) for r in rows[1:]] == list(range(101))
    assert all(r[0] == RUNNING and r[1] == "0" and r[5] == "" for r in rows[1:])  # one cycle: no SD
    n = [int(r[6]) for r in rows[1:]]
    # the stride ends as she leaves the picture: the last percent or two have no knee angle
    assert set(n[:96]) == {1} and set(n) <= {0, 1}
    assert all((r[4] == "") == (r[6] == "0") for r in rows[1:])


@pytest.mark.parametrize("argv, says", [
    (["compare", "{v}", "nowhere.mp4", "-o", "{o}.mp4"], "is not a file"),
    (["compare", "{v}", "{v}", "-o", "{o}.mp4", "--sync", "soon"], "--sync soon is not understood"),
    (["compare", "{v}", "{v}", "-o", "{o}.avi"], "MP4"),
    (["compare", "{v}", "{v}", "-o", "{o}.mp4", "--data", "{o}.xlsx"], "CSV"),
    (["cycles", "{v}", "-o", "{o}.csv", "--angles", "left_tail"], "left_tail is not an angle"),
    (["cycles", "{v}", "-o", "{o}.csv", "--person", "99"], "no person 99"),
    (["cycles", "{v}", "-o", "{o}.csv", "--start", "1", "--end", "0.5"], "not after --start"),
])
def test_bad_input_is_one_sentence_and_writes_nothing(videos_dir, tmp_path, require_model, capsys, argv, says):
    require_model("blazepose-full")
    video, stem = str(videos_dir / RUNNING), str(tmp_path / "out")
    rc = main([a.format(v=video, o=stem) for a in argv] + ["-q"])
    assert rc == 2
    assert says in _one_sentence(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_side_by_side_cancelled_leaves_nothing_and_an_older_file_stays(videos_dir, tmp_path, require_model):
    import threading

    from posestudio.core.analysis.run import analyse_video
    from posestudio.core.errors import Cancelled
    from posestudio.core.export.side_by_side import export_side_by_side
    from posestudio.core.kinematics.sync import SyncResult
    from posestudio.core.video.source import VideoSource

    require_model(MODEL)
    out = tmp_path / "both.mp4"
    out.write_bytes(b"an older export")
    cancel = threading.Event()

    def progress(done, total):
        if done == 3:
            cancel.set()

    with VideoSource(videos_dir / RUNNING) as a, VideoSource(videos_dir / RUNNING) as b:
        result = analyse_video(a, MODEL)
        with pytest.raises(Cancelled):
            export_side_by_side(a, result, b, result, SyncResult(0.2, 1.0, "events", ()), out,
                                progress=progress, cancel=cancel)
    assert out.read_bytes() == b"an older export" and [p.name for p in tmp_path.iterdir()] == ["both.mp4"]
