"""The status bar names what runs the pose models: the CPU here; an accelerator when onnxruntime offers one
(the provider list faked, as this machine has only the CPU); a POSESTUDIO_PROVIDER it cannot honour is its
sentence. The label follows the session: read again when an analysis starts or ends."""

from __future__ import annotations

import pytest

from posestudio.app.provider_label import ProviderLabel
from posestudio.app.session import ClipSession
from posestudio.core.models import providers


@pytest.fixture
def fake_providers(monkeypatch):
    """Set what onnxruntime claims to offer; no session has run yet."""
    monkeypatch.setattr(providers, "_active", None)
    monkeypatch.delenv(providers.ENV, raising=False)

    def offer(*names: str) -> None:
        monkeypatch.setattr(providers, "available", lambda: list(names))

    return offer


@pytest.mark.slow  # a whole window: about 3 s here
def test_the_window_status_bar_names_the_cpu(qtbot, monkeypatch):
    from posestudio.app.main_window import MainWindow

    monkeypatch.setattr(providers, "_active", None)
    monkeypatch.delenv(providers.ENV, raising=False)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    label = window.provider_label
    assert label.isVisible() and window.statusBar().isAncestorOf(label)
    assert label.text() == "Models on CPU"
    assert "no accelerator" in label.toolTip()


def test_an_accelerator_is_named_once_an_analysis_starts(qtbot, fake_providers):
    fake_providers("CPUExecutionProvider")
    session = ClipSession()
    label = ProviderLabel(session)
    qtbot.addWidget(label)
    assert label.text() == "Models on CPU"
    fake_providers("CoreMLExecutionProvider", "CPUExecutionProvider")
    session.set_analysis(object())          # analysing_changed(True)
    assert label.text() == "Models on Core ML (Apple)"
    assert f"{providers.ENV}=cpu" in label.toolTip()
    fake_providers("DmlExecutionProvider", "CPUExecutionProvider")
    session.set_analysis(None)              # and False
    assert label.text() == "Models on DirectML (GPU)"


def test_a_provider_that_is_not_there_is_one_sentence(qtbot, fake_providers, monkeypatch):
    fake_providers("CPUExecutionProvider")
    monkeypatch.setenv(providers.ENV, "cuda")
    label = ProviderLabel()
    qtbot.addWidget(label)
    text = label.text()
    assert text.startswith(f"{providers.ENV}=cuda asks for CUDA") and text.endswith(".")
    assert text.count(". ") == 0 and "Models on" not in text
