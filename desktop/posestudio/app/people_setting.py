"""The analysis setting "People": how many people BlazePose follows, each with their own 33 keypoints.
1 (the default) keeps the one-person path; MoveNet Lightning/Thunder follow one person and MultiPose finds
up to 6 by itself, so the setting is for BlazePose only."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QSpinBox

from posestudio.app.settings import Settings
from posestudio.core.models.registry import BLAZEPOSE_IDS

MAX_PEOPLE = 6
# measured (README, several people: `posestudio bench --people 3` on the walk clip, idle 2-core machine)
PEOPLE_COST = ("Several people cost a landmark run each a frame, and scans for newcomers: on the walk clip "
               "70 frames/s for 1 person, 49 for 2, 41 for 3 (on a 2-core machine). "
               "Frames under 720p are also searched for people down to 100 px tall, with more detector runs "
               "(the 768 x 576 street clip: about 7 a frame while places are free or held by smaller people).")


def people_for(model_id: str, people: int) -> int | None:
    """The `people` to analyse with: None (the model's own number) unless BlazePose follows several."""
    return int(people) if model_id in BLAZEPOSE_IDS and people > 1 else None


def with_people_cost(model_id: str, note: str) -> str:
    """A model's description, with what several people cost for the models that can follow several."""
    return f"{note} {PEOPLE_COST}".strip() if model_id in BLAZEPOSE_IDS else note


class PeopleBox(QSpinBox):
    people_requested = Signal(int)   # the user changed the number: analyse with it

    def __init__(self, settings: Settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.setRange(1, MAX_PEOPLE)
        self.setValue(min(settings.people, MAX_PEOPLE))
        self.setSuffix(" person")
        self._update_suffix()
        self.valueChanged.connect(self._on_value)

    def set_model(self, model_id: str) -> None:
        blazepose = model_id in BLAZEPOSE_IDS
        self.setEnabled(blazepose)
        self.setToolTip(
            "1 follows one person (the default); 2-6 follow that many, with 33 keypoints each. " + PEOPLE_COST
            if blazepose else "For BlazePose models: MoveNet Lightning/Thunder follow one person, "
            "MultiPose finds up to 6 by itself.")

    def set_quietly(self, people: int) -> None:
        """Show and keep `people` without asking for an analysis (the caller asks for one)."""
        self.blockSignals(True)
        self.setValue(people)
        self.blockSignals(False)
        self._update_suffix()
        self.settings.people = people

    def _update_suffix(self) -> None:
        self.setSuffix(" person" if self.value() == 1 else " people")

    def _on_value(self, value: int) -> None:
        self._update_suffix()
        self.settings.people = value
        self.people_requested.emit(value)
