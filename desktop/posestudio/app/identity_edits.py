"""Fixing who is who: a person's menu (on the video or the Follow list) follows, swaps or merges ids from the
current frame on. The session keeps the edit (and its undo); the window saves it with the clip's analysis."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from posestudio.app.session import ClipSession
from posestudio.app.settings_panel import SettingsPanel
from posestudio.app.status import StatusLine
from posestudio.app.transport import Playback
from posestudio.core.analysis.id_edits import merge_ids, swap_ids


class IdentityEdits(QObject):
    def __init__(self, session: ClipSession, panel: SettingsPanel, playback: Playback, status: StatusLine,
                 undo_action: QAction, menu_parent: QWidget):
        super().__init__(session)
        self.session, self.panel, self.playback, self.status = session, panel, playback, status
        self.undo_action, self.menu_parent = undo_action, menu_parent
        self.last_menu: QMenu | None = None  # kept so tests (and Qt) can reach the open menu
        panel.person_menu_requested.connect(self.person_menu)

    def fix_ids(self, kind: str, a: int, b: int, from_frame: int) -> bool:
        """kind "swap": ids a and b change places from `from_frame` on; "merge": b becomes a from there on."""
        s = self.session
        if s.result is None:
            return False
        if s.analysing:
            self.status.error("Wait for the analysis to finish before fixing identities.")
            return False
        ids = s.result.person_ids
        try:
            if kind == "swap":
                new = swap_ids(ids, a, b, from_frame)
            else:
                new = ids.copy()
                new[from_frame:] = merge_ids(ids[from_frame:], a, b)
        except Exception as exc:  # IdEditError: one sentence
            self.status.error(str(exc))
            return False
        s.apply_edit(new, s.result.left_out)
        what = f"Swapped #{a} and #{b}" if kind == "swap" else f"Merged #{b} into #{a}"
        self.status.info(f"{what} from frame {from_frame} on (Ctrl+Z undoes).")
        return True

    def person_menu(self, track_id: int, global_pos=None) -> QMenu:
        """Follow, swap or merge a person's id from the current frame on."""
        menu = QMenu(self.menu_parent)
        frame = max(self.playback.index, 0)
        menu.addAction(f"Follow #{track_id}", lambda: self.panel.select_person(track_id))
        others = [t for t in self.session.track_ids() if t != track_id]
        swap = menu.addMenu(f"Swap id #{track_id} with…")
        merge = menu.addMenu(f"Merge #{track_id} into…")
        for other in others:
            swap.addAction(f"#{other}", lambda o=other: self.fix_ids("swap", track_id, o, frame))
            merge.addAction(f"#{other}", lambda o=other: self.fix_ids("merge", o, track_id, frame))
        for sub in (swap, merge):
            sub.setEnabled(bool(others) and not self.session.analysing)
            sub.setToolTip(f"From frame {frame} on")
        menu.addSeparator()
        menu.addAction(self.undo_action)
        if global_pos is not None:
            menu.popup(global_pos)
        self.last_menu = menu
        return menu
