"""`posestudio batch` as users run it: real clips, real models, a real Dask cluster on 127.0.0.1.

No timing assertions (the machine is shared); "in seconds" for a re-run is shown by nothing being analysed.
"""

from __future__ import annotations

import csv
import glob
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from batch_cluster import LocalDaskCluster
from posestudio.core.batch.plan import output_name

MODEL = "movenet-lightning"
GOOD = ("sports2d_demo3_running_side.mp4", "mmhuman3d_basketball_dribble_portrait12.mp4")
BAD = ("random_bytes.mp4", "empty.mp4", "truncated_half.mp4")
RUN_TIMEOUT_S = 900


def _env(tmp_path: Path) -> dict:
    return dict(os.environ, POSESTUDIO_LOGS=str(tmp_path / "logs"), POSESTUDIO_CACHE=str(tmp_path / "cache"))


HIDE_DASK = "import sys\nsys.modules['dask'] = None\nsys.modules['distributed'] = None"


def _command(args, prelude: str | None = None) -> list[str]:
    # prelude: Python run before the CLI in the same interpreter (e.g. HIDE_DASK)
    code = (prelude or "") + "\nimport sys\nfrom posestudio.cli import main\nsys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, *map(str, args)]


def _posestudio(args, tmp_path, prelude: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(_command(args, prelude), capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                          env=_env(tmp_path))


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _by_video(manifest: dict) -> dict[str, dict]:
    entries = {}
    for entry in manifest["videos"]:
        assert entry["video"] not in entries, f"{entry['video']} twice in the manifest"
        entries[entry["video"]] = entry
    return entries


def _keypoints(json_file: Path) -> np.ndarray:
    data = json.loads(json_file.read_text())
    frames = [[p["keypoints"] for p in f["people"]] for f in data["frames"]]
    return np.array([f[0] if f else [[None] * 3] * len(data["keypoint_names"]) for f in frames], dtype=float)


@pytest.fixture
def clips(videos_dir, tmp_path) -> dict[str, Path]:
    """Two clips both named clip.mp4 in different folders (symlinks to the real files), listed in a text
    file, plus the good clips and the awkward ones by path."""
    a, b = tmp_path / "in" / "a", tmp_path / "in" / "b"
    a.mkdir(parents=True)
    b.mkdir()
    (a / "clip.mp4").symlink_to(videos_dir / GOOD[0])
    (b / "clip.mp4").symlink_to(videos_dir / GOOD[1])
    listing = tmp_path / "in" / "list.txt"
    listing.write_text("# two clips of the same name\na/clip.mp4\n\nb/clip.mp4\n")
    return {"list": listing, **{name: videos_dir / name for name in GOOD},
            **{name: videos_dir / "awkward" / name for name in BAD}}


@pytest.mark.slow
def test_batch_locally_failures_listed_resume_and_new_model(require_model, clips, tmp_path):
    require_model(MODEL)
    require_model("movenet-thunder")
    out = tmp_path / "out"
    inputs = [clips["list"], clips[GOOD[0]], clips["random_bytes.mp4"], clips["empty.mp4"]]
    first = _posestudio(["batch", *inputs, "-o", out, "-m", MODEL, "--workers", "2", "--angles"], tmp_path)
    assert first.returncode == 1, first.stderr  # some failed, the others finished
    assert "Traceback" not in first.stderr
    manifest = _manifest(out)
    entries = _by_video(manifest)
    assert len(entries) == 5 and manifest["model"]["id"] == MODEL and len(manifest["model"]["sha256"]) == 64
    assert manifest["runner"].startswith("Dask LocalCluster")
    for name in ("random_bytes.mp4", "empty.mp4"):
        entry = entries[str(clips[name])]
        assert entry["status"] == "failed" and name in entry["reason"] and entry["reason"].endswith(".")
        assert f"failed: {clips[name]}: {entry['reason']}" in first.stderr
    done = [e for e in entries.values() if e["status"] == "done"]
    assert len(done) == 3
    # the two clip.mp4 got different names; each data file has the clip's frames and its angles
    names = sorted(e["outputs"][0] for e in done)
    assert len(set(names)) == 3 and sum(n.startswith("clip_") for n in names) == 2
    frames = {Path(e["video"]).resolve().name: e["frames"] for e in done}
    assert frames == {GOOD[0]: 47, GOOD[1]: 40}
    for entry in done:
        data = json.loads((out / entry["outputs"][0]).read_text())
        assert len(data["frames"]) == entry["frames"] and "angle_settings" in data
    # one table: rows per video, person and angle for the three done videos
    with open(out / "summary.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["video"] for r in rows} == {e["video"] for e in done}
    assert {"left_knee", "right_knee"} <= {r["angle"] for r in rows}
    assert all(float(r["range"]) >= 0 for r in rows if r["range"])
    assert "batch: 5/5 videos (2 failed)" in first.stderr and "frames/s" in first.stderr and "left" in first.stderr
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix == ".json" and p.name != "manifest.json"}

    again = _posestudio(["batch", *inputs, "-o", out, "-m", MODEL, "--workers", "2", "--angles"], tmp_path)
    assert again.returncode == 1, again.stderr
    entries = _by_video(_manifest(out))
    assert sorted(e["status"] for e in entries.values()) == ["failed", "failed", "skipped", "skipped", "skipped"]
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix == ".json" and p.name != "manifest.json"}
    assert after == before  # nothing rewritten
    with open(out / "summary.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(rows)  # skipped videos keep their rows

    other = _posestudio(["batch", *inputs[:2], "-o", out, "-m", "movenet-thunder", "--workers", "2"], tmp_path)
    assert other.returncode == 0, other.stderr
    manifest = _manifest(out)
    assert [e["status"] for e in manifest["videos"]] == ["done"] * 3 and manifest["model"]["id"] == "movenet-thunder"


@pytest.mark.slow
def test_inputs_are_files_folders_and_lists_and_a_bad_command_is_one_sentence(clips, tmp_path):
    from posestudio.core.batch.plan import find_videos, plan_tasks

    folder = tmp_path / "in"
    out = folder / "out"  # inside a searched folder: its own outputs are never inputs
    out.mkdir()
    (out / "clip_0123abcd.mp4").symlink_to(clips[GOOD[0]])
    found = find_videos([str(folder), str(clips["list"]), str(clips[GOOD[0]])], out)
    assert found == [folder / "a" / "clip.mp4", folder / "b" / "clip.mp4", clips[GOOD[0]]]
    names = [t.name for t in plan_tasks(found)]
    assert len(set(names)) == 3 and names[0] != names[1] and names[0].startswith("clip_")
    assert names == [t.name for t in plan_tasks(found)]  # the same names on every run
    (tmp_path / "empty").mkdir()
    for args, words in ((["batch", tmp_path / "nothing.mp4", "-o", out], "does not exist"),
                        (["batch", tmp_path / "in" / "a", "-o", tmp_path / "in" / "a" / "clip.mp4"], "is a file"),
                        (["batch", folder, "-o", out, "--workers", "0"], "--workers 0"),
                        (["batch", tmp_path / "empty", "-o", out], "No videos found"),
                        (["batch", clips[GOOD[0]], "-o", "/proc/posestudio-batch"], "Cannot write into")):
        run = _posestudio(args, tmp_path)
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        assert run.returncode == 2 and len(lines) == 1 and words in lines[0], run.stderr


@pytest.mark.slow
def test_batch_without_dask_uses_a_process_pool(require_model, clips, tmp_path):
    require_model(MODEL)
    out = tmp_path / "out"
    run = _posestudio(["batch", clips[GOOD[0]], clips["truncated_half.mp4"], "-o", out, "-m", MODEL, "--workers", "2",
                       "--data", "csv", "--video", "-q"], tmp_path, prelude=HIDE_DASK)
    assert run.returncode == 1, run.stderr
    manifest = _manifest(out)
    assert manifest["runner"].startswith("process pool")
    entries = _by_video(manifest)
    good, bad = entries[str(clips[GOOD[0]])], entries[str(clips["truncated_half.mp4"])]
    assert bad["status"] == "failed" and "truncated_half.mp4" in bad["reason"]
    assert good["status"] == "done" and [Path(o).suffix for o in good["outputs"]] == [".csv", ".mp4"]
    with open(out / good["outputs"][0], newline="") as fh:
        assert len(list(csv.reader(fh))) == 1 + 47
    import av

    with av.open(str(out / good["outputs"][1])) as clip:
        assert clip.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in clip.decode(video=0)) == 47
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.is_file()]  # no temporaries left
    cluster = _posestudio(["batch", clips[GOOD[0]], "-o", out, "--scheduler", "tcp://127.0.0.1:9"], tmp_path,
                          prelude=HIDE_DASK)
    assert cluster.returncode == 2 and "posestudio[cluster]" in cluster.stderr, cluster.stderr


FRAMES = {GOOD[0]: 47, GOOD[1]: 40, "pose2sim_single_cam01_portrait60.mp4": 100}


def _assert_complete(path: Path, frames: int) -> None:
    if path.suffix == ".json":
        assert len(json.loads(path.read_text())["frames"]) == frames, path
    else:
        import av

        with av.open(str(path)) as clip:
            assert sum(1 for _ in clip.decode(video=0)) == frames, path


def _visible_outputs(out: Path, name: str) -> list[str]:
    return sorted(p.name for p in out.glob(glob.escape(name) + ".*"))


@pytest.mark.parametrize("prelude, stop", [
    pytest.param(None, signal.SIGINT, id="dask-ctrl-c"),
    # the same checks again on the other runner and after a crash: slow on a shared machine, run by .ci/run
    pytest.param(HIDE_DASK, signal.SIGINT, id="process-pool-ctrl-c", marks=pytest.mark.slow),
    pytest.param(None, signal.SIGKILL, id="dask-killed", marks=pytest.mark.slow)])
@pytest.mark.slow
def test_interrupted_batch_leaves_no_half_file_and_resumes(require_model, videos_dir, tmp_path, prelude, stop):
    require_model(MODEL)
    out = tmp_path / "out"
    clips = [videos_dir / name for name in (*GOOD, "pose2sim_single_cam01_portrait60.mp4")]
    args = ["batch", *clips, "-o", out, "-m", MODEL, "--workers", "1", "--video"]
    proc = subprocess.Popen(_command(args, prelude), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_env(tmp_path), start_new_session=True)
    records = out / ".posestudio-batch"
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not (records.is_dir() and any(records.glob("*.json"))) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1].decode()
        time.sleep(0.1)
    # Ctrl+C reaches the whole process group, as in a terminal; SIGKILL to the group is a crash or a killed job
    os.killpg(proc.pid, stop)
    _, err = proc.communicate(timeout=RUN_TIMEOUT_S)
    if proc.returncode == 0:
        pytest.skip("the batch finished before it was stopped")
    finished = set()
    for video in clips:
        name = output_name(video)
        record = json.loads((records / f"{name}.json").read_text()) if (records / f"{name}.json").is_file() else None
        visible = _visible_outputs(out, name)
        if record and record["status"] == "done":
            finished.add(str(video))
            assert visible == sorted(record["outputs"])
        else:  # not recorded: nothing, or (killed in the instant between the last rename and the record) complete files
            assert set(visible) <= {f"{name}.json", f"{name}.mp4"}, visible
            for kept in visible:
                _assert_complete(out / kept, FRAMES[video.name])
    assert 1 <= len(finished) < len(clips)
    if stop == signal.SIGINT:
        assert proc.returncode == 130 and "Traceback" not in err.decode(), err.decode()
        assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.is_file()], err.decode()
        interrupted = _by_video(_manifest(out))
        assert {v for v, e in interrupted.items() if e["status"] == "done"} == finished
        assert {e["status"] for e in interrupted.values()} == {"done", "pending"}

    resumed = _posestudio(["batch", *clips, "-o", out, "-m", MODEL, "--workers", "1", "--video", "-q"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    entries = _by_video(_manifest(out))
    assert {v for v, e in entries.items() if e["status"] == "skipped"} == finished
    assert all(e["status"] in ("done", "skipped") for e in entries.values()) and len(entries) == len(clips)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.is_file()]  # temporaries cleaned


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    dask = LocalDaskCluster(folder)
    try:
        dask.start_scheduler()
        dask.start_worker()
        dask.start_worker()
        dask.wait_for_workers(2)
        yield dask
    finally:
        dask.close()


@pytest.mark.slow
def test_batch_on_a_dask_cluster_matches_analyze(require_model, clips, cluster, tmp_path):
    require_model(MODEL)
    out = tmp_path / "out"
    good = [clips[name] for name in GOOD]
    bad = [clips[name] for name in BAD]
    run = _posestudio(["batch", *good, *bad, "-o", out, "-m", MODEL, "--scheduler", cluster.address], tmp_path)
    assert run.returncode == 1, run.stderr
    manifest = _manifest(out)
    entries = _by_video(manifest)
    assert manifest["runner"] == f"Dask scheduler {cluster.address}"
    assert [entries[str(v)]["status"] for v in good] == ["done", "done"]
    for video in bad:
        entry = entries[str(video)]
        assert entry["status"] == "failed" and video.name in entry["reason"] and entry["reason"].endswith(".")
        assert entry["reason"] in run.stderr
    assert len({entries[str(v)]["worker"] for v in good}) >= 1
    for video in good:  # the same keypoints as `posestudio analyze` of the clip
        single = tmp_path / f"{video.stem}.json"
        ref = _posestudio(["analyze", video, "-m", MODEL, "-o", single, "-q"], tmp_path)
        assert ref.returncode == 0, ref.stderr
        np.testing.assert_array_equal(_keypoints(out / entries[str(video)]["outputs"][0]), _keypoints(single))
    again = _posestudio(["batch", *good, *bad, "-o", out, "-m", MODEL, "--scheduler", cluster.address], tmp_path)
    assert again.returncode == 1, again.stderr
    entries = _by_video(_manifest(out))
    assert [entries[str(v)]["status"] for v in good] == ["skipped", "skipped"]
    assert [entries[str(v)]["status"] for v in bad] == ["failed"] * len(bad)  # tried again, still unreadable


@pytest.mark.slow
def test_a_worker_killed_mid_video_has_its_video_redone(require_model, videos_dir, cluster, tmp_path):
    require_model(MODEL)
    hold = tmp_path / "hold"
    hold.mkdir()
    doomed = cluster.start_worker("--no-nanny", "--preload", str(Path(__file__).with_name("batch_hold_preload.py")),
                                  env={"BATCH_TEST_HOLD_DIR": str(hold)})
    cluster.wait_for_workers(3)
    clips = [videos_dir / name for name in (*GOOD, "pose2sim_single_cam01_portrait60.mp4",
                                            "pose2sim_single_cam02_vp9.mp4")]
    out = tmp_path / "out"
    batch = subprocess.Popen([sys.executable, "-m", "posestudio", "batch", *map(str, clips), "-o", str(out), "-m",
                              MODEL, "--scheduler", cluster.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=_env(tmp_path))
    try:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while not list(hold.glob("started-*")) and time.monotonic() < deadline:
            assert batch.poll() is None, batch.communicate()[1].decode()
            time.sleep(0.1)
        started = list(hold.glob("started-*"))
        assert started, "no task started on the third worker"
        assert int(started[0].name.split("-")[1]) == doomed.pid
        held_name = started[0].read_text()
        doomed.kill()  # SIGKILL while its task runs
        _, err = batch.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert batch.returncode == 0, err.decode()
    entries = _by_video(_manifest(out))
    assert len(entries) == len(clips) and all(e["status"] == "done" for e in entries.values())
    held = next(e for e in entries.values() if e["name"] == held_name)
    assert held["worker"].split(":")[1] != str(doomed.pid)  # redone by another worker
    assert held["frames"] > 0 and (out / held["outputs"][0]).is_file()
    # each worker process loaded the model once, however many videos it analysed
    records = [json.loads(p.read_text()) for p in (out / ".posestudio-batch").glob("*.json")]
    assert len(records) == len(clips) and all(r["model_loads"] == 1 for r in records)
    assert max(Counter(r["worker"] for r in records).values()) >= 2  # 4 videos on the 2 surviving workers
