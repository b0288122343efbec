"""The model manifest, the built ONNX files, and the `posestudio models` commands."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import numpy as np
import pytest

from posestudio.core.models import registry as models
from posestudio.core.errors import ModelMissingError

REQUIRED = ("name", "family", "keypoints", "input_size", "source", "licence", "onnx", "input", "outputs",
            "reference", "speed", "accuracy", "requires")
SOURCE_REQUIRED = ("registry", "package", "version", "tarball", "sha256", "paths", "format")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from posestudio.cli import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)


def test_manifest_lists_all_seven_models_completely():
    entries = models.manifest()["models"]
    assert set(entries) == set(models.ALL_IDS)
    assert len(models.ALL_IDS) == 7 and models.DETECTOR_ID not in models.MODEL_IDS
    for model_id, info in entries.items():
        missing = [k for k in REQUIRED if k not in info]
        assert not missing, f"{model_id} lacks {missing}"
        src = info["source"]
        assert not [k for k in SOURCE_REQUIRED if k not in src], model_id
        assert src["registry"] == "npm"
        assert re.fullmatch(r"[0-9a-f]{64}", src["sha256"]), model_id
        name = src["package"].rsplit("/", 1)[-1]
        assert src["tarball"] == f"https://registry.npmjs.org/{src['package']}/-/{name}-{src['version']}.tgz"
        assert info["onnx"] == f"{model_id}.onnx"
        assert info["keypoints"] in (("coco17", "blazepose33") if model_id != models.DETECTOR_ID else (None,))
        ref = info["reference"]
        assert 0 < ref["rtol"] <= 1e-2
        assert [o["name"] for o in info["outputs"] if not o.get("dropped")] == list(ref["outputs"])
        for out in ref["outputs"].values():
            assert len(out["samples"]) == len(out["sample_index"]) >= min(8, int(np.prod(out["shape"])))
            assert out["max_abs"] > 0 and out["abs_sum"] >= abs(out["sum"])
    for model_id in ("blazepose-lite", "blazepose-full", "blazepose-heavy"):
        assert entries[model_id]["requires"] == [models.DETECTOR_ID]
    # user-facing text is filled in once measured, never invented
    assert all(isinstance(entries[m]["speed"], str) for m in entries)


def test_reference_image_is_deterministic_and_not_flat():
    a = models.reference_image(192, 192)
    b = models.reference_image(192, 192)
    assert a.dtype == np.uint8 and a.shape == (192, 192, 3)
    assert np.array_equal(a, b)
    assert a.std() > 20


def test_comparison_rejects_a_perturbed_output():
    expected = models.model_info("movenet-lightning")["reference"]["outputs"]["output"]
    good = np.zeros(expected["shape"], np.float64).ravel()
    good[: len(expected["head"])] = expected["head"]
    good[np.asarray(expected["sample_index"])] = expected["samples"]
    # only the recorded values are known, so the sum check fails unless the rest happens to add up
    problems = models.compare_reference("movenet-lightning", {"output": good.reshape(expected["shape"]) + 0.05})
    assert any("differs" in p for p in problems)


@pytest.mark.parametrize("model_id", models.ALL_IDS)
def test_built_model_reproduces_reference(require_model, model_id):
    path = require_model(model_id)
    session = models.create_session(model_id, threads=1)
    info = models.model_info(model_id)
    assert session.get_inputs()[0].name == info["input"]["name"]
    assert [o.name for o in session.get_outputs()] == [o["name"] for o in info["outputs"] if not o.get("dropped")]
    x = models.reference_input(model_id)
    names = [o.name for o in session.get_outputs()]
    outputs = dict(zip(names, session.run(names, {session.get_inputs()[0].name: x})))
    assert models.compare_reference(model_id, outputs) == []
    # a different picture must not pass, or the check proves nothing
    shifted = dict(zip(names, session.run(names, {session.get_inputs()[0].name: np.roll(x, 40, axis=2)})))
    assert models.compare_reference(model_id, shifted) != []
    assert models.verify(model_id, use_cache=False)
    assert path.stat().st_size > 1_000_000


def test_missing_model_names_the_build_command(tmp_path, monkeypatch):
    monkeypatch.setenv("POSESTUDIO_MODELS", str(tmp_path))
    with pytest.raises(ModelMissingError) as err:
        models.model_path("blazepose-full")
    message = str(err.value)
    assert "posestudio models build" in message and "blazepose-full" in message
    assert message.count(". ") == 0  # one sentence
    with pytest.raises(ModelMissingError):
        models.create_session("movenet-lightning")


def test_unknown_model_is_one_sentence_exit_2():
    result = run_cli("models", "build", "movenet-medium")
    assert result.returncode == 2
    assert "Unknown model 'movenet-medium'" in result.stderr
    assert "Traceback" not in result.stderr


def test_models_list_shows_seven_lines(require_model):
    for model_id in models.ALL_IDS:
        require_model(model_id)
    result = run_cli("models", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 7
    for model_id, line in zip(models.ALL_IDS, lines):
        assert line.split()[0] == model_id
        assert "present" in line and "verified" in line and "NOT" not in line
        assert re.search(r"\d+\.\d MB", line)


def test_models_list_marks_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("POSESTUDIO_MODELS", str(tmp_path))
    result = run_cli("models", "list")
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and len(lines) == 7
    assert all("missing" in line for line in lines)


def test_build_with_everything_present_does_nothing_quickly(require_model):
    for model_id in models.ALL_IDS:
        require_model(model_id)
    before = {m: models.model_path(m).stat().st_mtime_ns for m in models.ALL_IDS}
    t0 = time.monotonic()
    result = run_cli("models", "build")
    elapsed = time.monotonic() - t0
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stderr
    assert elapsed < 30
    assert {m: models.model_path(m).stat().st_mtime_ns for m in models.ALL_IDS} == before


def test_dependencies_pull_in_the_detector():
    from posestudio.core.models.build import resolve_ids

    assert resolve_ids(["blazepose-lite"]) == ["blazepose-detector", "blazepose-lite"]
    assert resolve_ids(["movenet-thunder"]) == ["movenet-thunder"]
    assert resolve_ids(None) == list(models.ALL_IDS)


def _tiny_tarball(tmp_path):
    import hashlib
    import io
    import tarfile

    path = tmp_path / "pkg-1.0.0.tgz"
    with tarfile.open(path, "w:gz") as tar:
        data = b"weights"
        info = tarfile.TarInfo("package/model.bin")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_download_checks_the_checksum_and_leaves_nothing_on_mismatch(tmp_path):
    from posestudio.core.errors import ModelBuildError
    from posestudio.core.models.build import download, extract
    from posestudio.core.paths import cache_dir

    tarball, sha = _tiny_tarball(tmp_path)
    source = {"package": "pkg", "version": "1.0.0", "tarball": tarball.as_uri(), "sha256": "0" * 64}
    messages = []
    with pytest.raises(ModelBuildError, match="checksum"):
        download(source, messages.append)
    assert list((cache_dir() / "downloads").iterdir()) == []  # no partial download left behind
    source["sha256"] = sha
    got = download(source, messages.append)
    assert got.read_bytes() == tarball.read_bytes()
    assert any("Downloading pkg@1.0.0" in m for m in messages)
    assert "cached" in [download(source, messages.append), messages[-1]][1]
    extract(got, ["package/model.bin"], tmp_path / "out")
    assert (tmp_path / "out" / "package" / "model.bin").read_bytes() == b"weights"
    with pytest.raises(ModelBuildError, match="lacks"):
        extract(got, ["package/other.bin"], tmp_path / "out2")
