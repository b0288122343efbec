"""Accelerators: onnxruntime's provider list is faked (this machine has only the CPU); the choice, the
POSESTUDIO_PROVIDER override, its sentences, and the name the self-test, bench and window show."""

from __future__ import annotations

import onnxruntime
import pytest

from posestudio.core.models import providers

CPU = "CPUExecutionProvider"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv(providers.ENV, raising=False)
    monkeypatch.setattr(providers, "_active", None)


def _offer(monkeypatch, *names):
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: [*names, CPU])


@pytest.mark.parametrize("offered, short, label", [
    ((), "cpu", "CPU"),
    (("CUDAExecutionProvider",), "cuda", "CUDA (NVIDIA GPU)"),
    (("CoreMLExecutionProvider",), "coreml", "Core ML (Apple)"),
    (("DmlExecutionProvider",), "directml", "DirectML (GPU)"),
    (("AzureExecutionProvider",), "cpu", "CPU"),  # providers that are not accelerators are not picked
])
def test_the_accelerator_is_chosen_automatically_with_the_cpu_behind_it(monkeypatch, offered, short, label):
    _offer(monkeypatch, *offered)
    assert providers.requested() == short
    expected = [CPU] if short == "cpu" else [providers.NAMES[short], CPU]
    assert providers.session_providers() == expected
    assert providers.describe() == label


def test_the_environment_variable_overrides_the_choice(monkeypatch):
    _offer(monkeypatch, "CUDAExecutionProvider", "DmlExecutionProvider")
    monkeypatch.setenv(providers.ENV, "cpu")
    assert providers.session_providers() == [CPU]
    monkeypatch.setenv(providers.ENV, "DirectML")
    assert providers.session_providers() == ["DmlExecutionProvider", CPU]
    monkeypatch.setenv(providers.ENV, "auto")
    assert providers.session_providers() == ["CUDAExecutionProvider", CPU]


def test_an_unknown_value_is_one_sentence(monkeypatch):
    _offer(monkeypatch)
    monkeypatch.setenv(providers.ENV, "gpu")
    with pytest.raises(providers.ProviderError) as err:
        providers.session_providers()
    assert str(err.value) == ("POSESTUDIO_PROVIDER=gpu is not a provider Pose Studio knows; use auto, cuda, "
                              "coreml, directml or cpu, or unset it.")
    assert providers.describe() == str(err.value)  # the status bar shows the sentence rather than failing


def test_an_unavailable_accelerator_is_one_sentence(monkeypatch):
    _offer(monkeypatch, "DmlExecutionProvider")
    monkeypatch.setenv(providers.ENV, "cuda")
    with pytest.raises(providers.ProviderError) as err:
        providers.requested()
    assert str(err.value) == ("POSESTUDIO_PROVIDER=cuda asks for CUDA (NVIDIA GPU), which this onnxruntime does "
                              "not offer (it offers directml, cpu); install onnxruntime-gpu and an NVIDIA driver, "
                              "or set POSESTUDIO_PROVIDER=cpu.")


def test_a_session_that_fell_back_to_the_cpu_is_named_cpu(monkeypatch, require_model):
    """onnxruntime on this machine cannot run CUDA; a session asked for it runs on the CPU, and that is what
    the window and the self-test must say."""
    from posestudio.core.models.registry import create_session

    require_model("movenet-lightning")
    real = onnxruntime.get_available_providers()
    _offer(monkeypatch, "CUDAExecutionProvider")
    assert providers.describe() == "CUDA (NVIDIA GPU)"  # before any session: what will be asked for
    session = create_session("movenet-lightning", threads=1)
    assert session.get_providers()[0] in real
    assert providers.active() == "cpu" and providers.describe() == "CPU"


def test_analyze_with_a_bad_provider_is_exit_2_and_one_sentence(monkeypatch, capsys, require_model, videos_dir,
                                                                tmp_path):
    from posestudio.cli import main

    require_model("movenet-lightning")
    monkeypatch.setenv(providers.ENV, "coreml")
    code = main(["analyze", str(videos_dir / "sports2d_demo3_running_side.mp4"), "-m", "movenet-lightning",
                 "-o", str(tmp_path / "run.json"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "run.json").exists()
    assert err.strip().splitlines() == [
        "posestudio: POSESTUDIO_PROVIDER=coreml asks for Core ML (Apple), which this onnxruntime does not offer "
        "(it offers cpu); install the ordinary onnxruntime on macOS, or set POSESTUDIO_PROVIDER=cpu."]


def test_the_self_test_names_the_provider(monkeypatch, require_model):
    from posestudio.core.paths import models_dir
    from posestudio.selftest import check_accelerator

    require_model("movenet-lightning")
    assert check_accelerator(models_dir()).startswith("CPU; onnxruntime offers ")
    monkeypatch.setenv(providers.ENV, "directml")
    with pytest.raises(providers.ProviderError):
        check_accelerator(models_dir())
