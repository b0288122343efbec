"""Every output path fails cleanly: a file in the way, a folder where a file belongs, no permission (simulated
with EACCES: the tests run as root), a full disk (writes sent to /dev/full, which fails with ENOSPC). One
sentence naming the path, exit 2 for the command line, nothing half-written, an earlier file intact."""

from __future__ import annotations

import builtins
import errno
import logging
import os
from pathlib import Path

import pytest

from posestudio.core.atomic import atomic_path, prepare_output
from posestudio.core.errors import OutputPathError

RUNNING = "sports2d_demo3_running_side.mp4"  # 47 frames, 480x352


def _cli(capsys, *args) -> tuple[int, str]:
    from posestudio.cli import main

    code = main([str(a) for a in args])
    err = capsys.readouterr().err
    return code, err


def _one_sentence(err: str, path) -> str:
    lines = [line for line in err.splitlines() if line.startswith("posestudio: ") and "Cannot write" in line]
    assert len(lines) == 1, err
    assert str(path) in lines[0] and "Traceback" not in err and "unexpected error" not in err
    return lines[0]


def _deny_writes_in(monkeypatch, folder: Path) -> None:
    """os.open (mkstemp, open()) fails with EACCES inside `folder`, as for a folder without write permission."""
    real_open = os.open

    def fake_open(path, flags, *args, **kwargs):
        if Path(os.fsdecode(path)).parent == folder and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)


def _disk_full_in(monkeypatch, folder: Path) -> None:
    """Files opened for writing in `folder` go to /dev/full: every write there fails with ENOSPC."""
    real_open = builtins.open

    def fake_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file).parent == folder and any(c in mode for c in "wax"):
            return real_open("/dev/full", mode, *args, **kwargs)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)


# ----- the shared mechanism -----

def test_a_file_in_the_way_of_the_folder(tmp_path):
    (tmp_path / "some_file").write_text("x")
    target = tmp_path / "some_file" / "deeper" / "x.csv"
    with pytest.raises(OutputPathError) as err:
        prepare_output(target)
    assert str(err.value) == (f"Cannot write {target}: {tmp_path / 'some_file'} is a file, not a folder; "
                              "remove it or choose another folder.")
    with pytest.raises(OutputPathError):
        with atomic_path(target):
            pytest.fail("the body must not run")
    assert (tmp_path / "some_file").read_text() == "x"


def test_a_folder_where_a_file_belongs(tmp_path):
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(OutputPathError) as err:
        with atomic_path(tmp_path / "out.csv"):
            pytest.fail("the body must not run")
    assert "a folder of that name is there" in str(err.value)
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_no_permission(tmp_path, monkeypatch):
    _deny_writes_in(monkeypatch, tmp_path)
    with pytest.raises(OutputPathError) as err:
        prepare_output(tmp_path / "x.json")
    assert str(err.value) == (f"Cannot write {tmp_path / 'x.json'}: no permission to write in {tmp_path}; "
                              "choose a folder you can write to.")


def test_disk_full_while_writing_keeps_the_earlier_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("earlier")
    _disk_full_in(monkeypatch, tmp_path)
    with pytest.raises(OutputPathError) as err:
        with atomic_path(target) as tmp:
            with open(tmp, "w") as fh:
                fh.write("x" * 100_000)
    assert "the disk is full" in str(err.value) and str(target) in str(err.value)
    assert target.read_text() == "earlier" and [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_an_input_error_inside_a_write_is_not_blamed_on_the_output(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_path(tmp_path / "out.csv"):
            open(tmp_path / "missing-input.mp4", "rb")
    assert list(tmp_path.iterdir()) == []


def test_proc_cannot_hold_files():
    with pytest.raises(OutputPathError) as err:
        prepare_output("/proc/posestudio-test/x.mp4")
    assert str(err.value).startswith("Cannot write /proc/posestudio-test/x.mp4: ")


# ----- posestudio analyze -----

def test_analyze_output_under_a_file_is_one_sentence_before_any_analysis(capsys, videos_dir, tmp_path):
    (tmp_path / "some_file").write_text("x")
    out = tmp_path / "some_file" / "run.json"
    code, err = _cli(capsys, "analyze", videos_dir / RUNNING, "-o", out, "-q")
    assert code == 2
    assert "some_file is a file, not a folder" in _one_sentence(err, out)


def test_analyze_summary_that_is_a_folder(capsys, videos_dir, tmp_path):
    (tmp_path / "summary.csv").mkdir()
    code, err = _cli(capsys, "analyze", videos_dir / RUNNING, "-o", tmp_path / "run.json", "--summary",
                     tmp_path / "summary.csv", "-q")
    assert code == 2
    _one_sentence(err, tmp_path / "summary.csv")
    assert not (tmp_path / "run.json").exists()


def test_analyze_without_permission(capsys, monkeypatch, videos_dir, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    _deny_writes_in(monkeypatch, folder)
    code, err = _cli(capsys, "analyze", videos_dir / RUNNING, "-o", folder / "run.csv", "-q")
    assert code == 2 and "no permission to write in" in _one_sentence(err, folder / "run.csv")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("suffix", [".json", ".csv", ".npz"])
def test_analyze_on_a_full_disk_keeps_the_earlier_file(capsys, monkeypatch, require_model, videos_dir, tmp_path,
                                                       suffix):
    require_model("movenet-lightning")
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"run{suffix}"
    out.write_bytes(b"earlier")
    _disk_full_in(monkeypatch, folder)
    code, err = _cli(capsys, "analyze", videos_dir / RUNNING, "-m", "movenet-lightning", "-o", out, "--angles",
                     "-q")
    assert code == 2 and "the disk is full" in _one_sentence(err, out)
    assert out.read_bytes() == b"earlier" and [p.name for p in folder.iterdir()] == [out.name]


# ----- posestudio export -----

@pytest.mark.parametrize("where", ["file_in_the_way", "proc"])
def test_export_unwritable_output_is_one_sentence(capsys, videos_dir, tmp_path, where):
    if where == "proc":
        out = Path("/proc/posestudio-test.mp4")
    else:
        (tmp_path / "some_file").write_text("x")
        out = tmp_path / "some_file" / "x.mp4"
    code, err = _cli(capsys, "export", videos_dir / RUNNING, "-o", out, "-q")
    assert code == 2
    _one_sentence(err, out)


def test_export_data_that_is_a_folder(capsys, videos_dir, tmp_path):
    (tmp_path / "numbers.csv").mkdir()
    code, err = _cli(capsys, "export", videos_dir / RUNNING, "-o", tmp_path / "clip.mp4", "--data",
                     tmp_path / "numbers.csv", "-q")
    assert code == 2
    _one_sentence(err, tmp_path / "numbers.csv")
    assert not (tmp_path / "clip.mp4").exists()


def test_export_on_a_full_disk_keeps_the_earlier_clip(capsys, monkeypatch, require_model, videos_dir, tmp_path):
    import av

    require_model("movenet-lightning")
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "clip.mp4"
    out.write_bytes(b"earlier clip")
    real_av_open = av.open

    def full_disk_av_open(file, mode="r", *args, **kwargs):  # the encoder's writes hit a full disk
        if mode == "w" and Path(str(file)).parent == folder:
            return real_av_open("/dev/full", mode, *args, **kwargs)
        return real_av_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(av, "open", full_disk_av_open)
    code, err = _cli(capsys, "export", videos_dir / RUNNING, "-m", "movenet-lightning", "-o", out, "-q")
    assert code == 2 and "the disk is full" in _one_sentence(err, out)
    assert out.read_bytes() == b"earlier clip" and [p.name for p in folder.iterdir()] == ["clip.mp4"]


def test_export_without_permission(capsys, monkeypatch, videos_dir, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    _deny_writes_in(monkeypatch, folder)
    code, err = _cli(capsys, "export", videos_dir / RUNNING, "-o", folder / "clip.mp4", "-q")
    assert code == 2 and "no permission to write in" in _one_sentence(err, folder / "clip.mp4")
    assert list(folder.iterdir()) == []


# ----- posestudio models build -----

def test_models_build_into_an_unwritable_folder_stops_before_any_download(capsys, monkeypatch, tmp_path):
    import urllib.request

    def no_download(*args, **kwargs):
        pytest.fail("the build must stop before downloading")

    monkeypatch.setattr(urllib.request, "urlopen", no_download)
    (tmp_path / "some_file").write_text("x")
    models = tmp_path / "some_file" / "models"
    monkeypatch.setenv("POSESTUDIO_MODELS", str(models))
    code, err = _cli(capsys, "models", "build", "movenet-lightning")
    assert code == 2 and "some_file is a file, not a folder" in err and "Traceback" not in err

    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setenv("POSESTUDIO_MODELS", str(locked))
    _deny_writes_in(monkeypatch, locked)
    code, err = _cli(capsys, "models", "build", "movenet-lightning")
    assert code == 2 and f"no permission to write in {locked}" in err
    assert list(locked.iterdir()) == []


def test_a_full_disk_during_a_model_download_is_one_sentence(monkeypatch, tmp_path):
    """The download step writing into a full disk (its file goes to /dev/full): one sentence naming the tarball,
    no partial file left; the network is faked, nothing is fetched."""
    import io

    from posestudio.core.models import build

    class Response(io.BytesIO):
        headers = {"Content-Length": str(3 << 20)}

    monkeypatch.setenv("POSESTUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(build.urllib.request, "urlopen", lambda url, timeout: Response(b"x" * (3 << 20)))
    real_fdopen = os.fdopen

    def full_disk_fdopen(fd, mode="r", *args, **kwargs):
        os.close(fd)
        return real_fdopen(os.open("/dev/full", os.O_WRONLY), mode, *args, **kwargs)

    monkeypatch.setattr(build.os, "fdopen", full_disk_fdopen)
    source = {"tarball": "https://registry.example/pkg-1.0.0.tgz", "package": "pkg", "version": "1.0.0",
              "sha256": "0" * 64, "size": 3 << 20}
    with pytest.raises(OutputPathError) as err:
        build.download(source, lambda message: None)
    target = tmp_path / "cache" / "downloads" / "pkg-1.0.0.tgz"
    assert str(err.value) == f"Cannot write {target}: the disk is full; free some space or choose another disk."
    assert list(target.parent.iterdir()) == []


def test_installing_a_built_model_into_a_vanished_folder_is_one_sentence(monkeypatch, tmp_path):
    """The install step's rename failing (the models folder went read-only mid-build) becomes one sentence."""
    from posestudio.core.models import build

    def denied(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", str(src), None, str(dst))

    monkeypatch.setattr(build.os, "replace", denied)
    monkeypatch.setattr(build.models, "compare_reference", lambda *a: [])
    monkeypatch.setattr(build.models, "run_reference", lambda model_id, path: {"out": __import__("numpy").ones(3)})
    monkeypatch.setattr(build, "_split_outputs", lambda model_id, flat: {"out": flat})
    import numpy as np

    np.save(tmp_path / "movenet-lightning.original.npy", np.ones(3))
    (tmp_path / "movenet-lightning.onnx").write_bytes(b"model")
    with pytest.raises(OutputPathError) as err:
        build.check_and_install("movenet-lightning", tmp_path, print)
    assert "no permission to write in" in str(err.value) and "movenet-lightning" in str(err.value)


# ----- the analysis cache -----

def test_a_cache_that_cannot_be_written_does_not_fail_the_analysis(monkeypatch, require_model, videos_dir, tmp_path,
                                                                    caplog):
    from posestudio.core.analysis.cache import analysis_for
    from posestudio.core.video.source import VideoSource

    require_model("movenet-lightning")
    (tmp_path / "some_file").write_text("x")
    monkeypatch.setenv("POSESTUDIO_CACHE", str(tmp_path / "some_file" / "cache"))
    warnings = []
    with caplog.at_level(logging.WARNING), VideoSource(videos_dir / RUNNING) as source:
        result = analysis_for(source, "movenet-lightning", warn=warnings.append)
    assert result.complete and result.frame_count == 47
    assert len(warnings) == 1 and warnings[0].startswith("The analysis was not saved to the cache")
    assert "some_file is a file, not a folder" in warnings[0]
    assert warnings[0] in caplog.text


def test_a_full_disk_under_the_cache_is_one_warning(monkeypatch, tmp_path):
    from posestudio.bench.memory_write import synthetic_result
    from posestudio.core.analysis.cache import cached_result_path, save_cached_or_warn

    result = synthetic_result(30)
    folder = cached_result_path(result.fingerprint, result.model_id).parent
    folder.mkdir(parents=True)
    _disk_full_in(monkeypatch, folder)
    warning = save_cached_or_warn(result)
    assert warning is not None and "the disk is full" in warning
    assert list(folder.iterdir()) == []


# ----- the window's export dialog -----

def test_the_export_dialog_names_an_unwritable_path_without_starting(qtbot, videos_dir, tmp_path):
    pytest.importorskip("pytestqt")
    from posestudio.app.export_dialog import ExportVideoDialog

    (tmp_path / "some_file").write_text("x")
    out = tmp_path / "some_file" / "clip.mp4"
    dlg = ExportVideoDialog(str(videos_dir / RUNNING), None, width=480, height=352, duration=1.53)
    qtbot.addWidget(dlg)
    dlg.path_edit.setText(str(out))
    dlg.start()
    assert dlg.thread is None
    assert dlg.message.text() == (f"Cannot write {out}: {tmp_path / 'some_file'} is a file, not a folder; "
                                  "remove it or choose another folder.")


def test_the_export_dialog_reports_a_full_disk_and_keeps_the_earlier_clip(qtbot, monkeypatch, videos_dir, tmp_path):
    pytest.importorskip("pytestqt")
    import av

    from posestudio.app.export_dialog import ExportVideoDialog

    out = tmp_path / "clip.mp4"
    out.write_bytes(b"earlier clip")
    real_av_open = av.open

    def full_disk_av_open(file, mode="r", *args, **kwargs):
        if mode == "w" and Path(str(file)).parent == tmp_path:
            return real_av_open("/dev/full", mode, *args, **kwargs)
        return real_av_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(av, "open", full_disk_av_open)
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dlg = ExportVideoDialog(str(videos_dir / RUNNING), None, width=480, height=352, duration=1.53)
    qtbot.addWidget(dlg)
    dlg.path_edit.setText(str(out))
    dlg.start()
    qtbot.waitUntil(lambda: dlg.thread is None, timeout=60000)
    assert dlg.message.text().startswith(f"Cannot write {out}: the disk is full")
    assert out.read_bytes() == b"earlier clip" and [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]
