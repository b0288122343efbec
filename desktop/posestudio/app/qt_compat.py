"""Work around Qt binding bugs that would otherwise crash the app.

PySide6 6.12.0 (shiboken6 6.12.0) drops one reference to None on every call of a method that returns
nothing (measured: 500 calls of QObject.setObjectName lower sys.getrefcount(None) by 500), and one
reference to True on every Python-side Signal.emit() (its return value). On Python 3.12+ these objects
are immortal and nothing happens; on 3.11 their counts reach zero after a few thousand calls and the
interpreter aborts ("none_dealloc" / "bool_dealloc"). 6.11.2 is not affected. Until the binding is
fixed (or pinned away), give None, True and False enough references to outlive any session.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_EXTRA_REFS = 1 << 40  # ~10^12 calls before it could matter
_done = False


def _affected() -> bool:
    if sys.version_info >= (3, 12):
        return False
    try:
        import shiboken6
    except ImportError:
        return False
    version = tuple(getattr(shiboken6, "__version_info__", (0, 0, 0))[:2])
    return version >= (6, 12)


def guard_none_refcount() -> bool:
    """Apply the workaround once when the binding needs it; returns whether it was applied."""
    global _done
    if _done or not _affected():
        return _done
    # CPython < 3.12: ob_refcnt is the object's first field (Py_ssize_t)
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _EXTRA_REFS
    _done = True
    log.info("PySide6 6.12 on Python %d.%d: None/True/False reference counts guarded against the binding's leak",
             *sys.version_info[:2])
    return True
