"""The status bar's word on what runs the pose models: onnxruntime's execution provider (CPU, CUDA, Core ML,
DirectML), read again when an analysis starts and ends, since onnxruntime can fall back to the CPU when its
session is made; a POSESTUDIO_PROVIDER it cannot honour is that sentence, cut to fit, whole in the tooltip."""

from __future__ import annotations

from posestudio.app.elided_label import ElidedLabel
from posestudio.core.models import providers


class ProviderLabel(ElidedLabel):
    def __init__(self, session=None):
        super().__init__(min_chars=6)
        if session is not None:
            session.analysing_changed.connect(lambda _on: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        text = providers.describe()   # a few microseconds once onnxruntime is imported
        known = text in providers.LABELS.values()
        self.setText(f"Models on {text}" if known else text)
        if not known:
            note = ""
        elif text == providers.LABELS["cpu"]:
            note = (f"onnxruntime runs the pose models on the CPU: this installation offers no accelerator, "
                    f"or {providers.ENV}=cpu asks for the CPU.")
        else:
            note = f"onnxruntime runs the pose models on {text}; {providers.ENV}=cpu keeps them on the CPU."
        self.set_note(note)
        self.setStyleSheet("" if known else "color: rgb(255, 120, 90)")
