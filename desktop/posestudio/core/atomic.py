"""Atomic file writes (a temporary file in the same folder, renamed only when complete), and the one place
where an output that cannot be written becomes a sentence naming the path and what to do (OutputPathError)."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Iterator

from posestudio.core.errors import OutputPathError

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def _blocking_file(folder: Path) -> Path | None:
    """The first of `folder` and its parents that exists but is not a folder (a file in the way)."""
    for p in (folder, *folder.parents):
        if p.exists():
            return None if p.is_dir() else p
    return None


def output_error(path, exc: OSError) -> OutputPathError:
    """One sentence, chosen by the error number, naming `path` and what to do about it."""
    path = Path(path)
    folder = path.parent
    code = exc.errno
    blocker = _blocking_file(folder) if code in (errno.EEXIST, errno.ENOTDIR, errno.ENOENT) else None
    if blocker is not None:
        text = f"Cannot write {path}: {blocker} is a file, not a folder; remove it or choose another folder."
    elif code == errno.EISDIR or path.is_dir():
        text = f"Cannot write {path}: a folder of that name is there; give a file name that is not a folder."
    elif code in _DENIED:
        text = f"Cannot write {path}: no permission to write in {folder}; choose a folder you can write to."
    elif code in (errno.ENOSPC, errno.EDQUOT):
        text = f"Cannot write {path}: the disk is full; free some space or choose another disk."
    elif code == errno.EFBIG:
        text = f"Cannot write {path}: the file is too large for that disk; choose another disk."
    elif code == errno.ENOENT and folder.is_dir():
        text = f"Cannot write {path}: files cannot be created in {folder}; choose another folder."
    elif code == errno.ENOENT:
        text = f"Cannot write {path}: the folder {folder} cannot be made there; choose another folder."
    else:
        text = f"Cannot write {path} ({exc.strerror or exc}); choose another folder or file name."
    return OutputPathError(text, path)


def about_output(exc: BaseException, *paths: Path) -> bool:
    """Whether an OSError met while writing is the output's fault (not, say, the input video's)."""
    if not isinstance(exc, OSError) or exc.errno is None:
        return False
    if exc.errno in _FULL:
        return True  # only writing fills a disk
    if exc.filename is None:
        return exc.errno in _DENIED or exc.errno == errno.EIO
    return Path(os.fsdecode(exc.filename)) in paths


def prepare_folder(folder, for_path=None) -> Path:
    """Make `folder` (and its parents) and check that a file can be created in it; OutputPathError if not.
    `for_path`: the file the folder is for, named in the sentence (default: the folder itself)."""
    folder = Path(folder)
    named = Path(for_path) if for_path is not None else folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".posestudio-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise output_error(named if for_path is not None else folder / "x", exc) from exc
    return folder


def prepare_output(path) -> Path:
    """Check before long work that `path` can be written: not a folder, its folder made and writable."""
    path = Path(path)
    if path.is_dir():
        raise output_error(path, IsADirectoryError(errno.EISDIR, "Is a directory", str(path)))
    prepare_folder(path.parent, path)
    return path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`, on error it is removed.

    `suffix` defaults to the target's own suffix so writers that pick a format by extension still work.
    An output that cannot be written (folder, permission, full disk) raises OutputPathError.
    """
    target = Path(target)
    if target.is_dir():
        prepare_output(target)  # raises: a folder is in the way
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.",
                                   suffix=suffix if suffix is not None else target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise output_error(target, exc) from exc
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); a finished file gets the mode a plain open() would give.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        if about_output(exc, tmp_path, target):
            raise output_error(target, exc) from exc
        raise
