"""`posestudio --self-test` (unfrozen): one line per check, exit 0 only when everything works."""

from __future__ import annotations

import io

from posestudio.core.models.registry import ALL_IDS
from posestudio.selftest import run_self_test


def _run() -> tuple[int, list[str]]:
    out = io.StringIO()
    code = run_self_test(out)
    return code, out.getvalue().splitlines()


def _check_name(line: str) -> str:
    if line.startswith("ok   "):
        return line[5:].split(" (")[0]
    assert line.startswith("FAILED "), line
    return line[7:].split(":")[0]


def test_self_test_passes_with_built_models(require_model):
    for model_id in ALL_IDS:
        require_model(model_id)
    code, lines = _run()
    assert code == 0, "\n".join(lines)
    assert all(line.startswith("ok   ") for line in lines), lines
    names = [_check_name(line) for line in lines]
    assert len(names) == len(set(names))
    assert {"qt", "accelerator", "video encode+decode", "user folders"} <= set(names)
    assert {f"model {m}" for m in ALL_IDS} <= set(names)


def test_missing_and_corrupt_models_fail_with_one_sentence_each(tmp_path, monkeypatch):
    monkeypatch.setenv("POSESTUDIO_MODELS", str(tmp_path))
    (tmp_path / "movenet-lightning.onnx").write_bytes(b"not an onnx file")
    code, lines = _run()
    assert code == 1
    by_name = {_check_name(line): line for line in lines}
    assert len(by_name) == len(lines) == len(ALL_IDS) + 4
    assert "could not load movenet-lightning.onnx" in by_name["model movenet-lightning"]
    assert "models build" in by_name["model blazepose-heavy"]
    # checks that do not need models still pass, so the report says exactly what is wrong
    assert by_name["qt"].startswith("ok   ")
    assert by_name["video encode+decode"].startswith("ok   ")
