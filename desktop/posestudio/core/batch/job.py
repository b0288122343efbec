"""A whole batch from the client's side: skip what is done, run the rest, keep the manifest current,
write the table at the end (also when interrupted: what finished is in it, the rest is 'pending')."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

from posestudio import __version__
from posestudio.core.batch.plan import Settings, Task
from posestudio.core.batch.records import (RECORDS_DIR, now, read_record, remove_stale_temporaries, still_done,
                                           write_manifest, write_table)
from posestudio.core.batch.runner import describe, run_tasks
from posestudio.core.errors import PoseStudioError

MANIFEST_EVERY_S = 10.0   # rewriting the whole manifest per video would cost O(n^2) on 10,000 videos


@dataclass
class Outcome:
    tasks: list[Task]
    entries: dict[str, dict]    # task name -> record (status done, skipped or failed)
    manifest: Path
    summary: Path

    def with_status(self, status: str) -> list[dict]:
        return [self.entries[t.name] for t in self.tasks
                if t.name in self.entries and self.entries[t.name]["status"] == status]


def versions() -> dict:
    found = {"posestudio": __version__, "python": platform.python_version()}
    for package in ("onnxruntime", "av", "numpy", "dask", "distributed"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return found


def split_done(tasks: list[Task], settings: Settings, out_dir: Path, force: bool) -> tuple[dict, list[Task]]:
    """(records of videos an earlier run finished with these settings, tasks still to run)."""
    skipped, todo = {}, []
    for task in tasks:
        record = None if force else read_record(out_dir, task.name)
        if still_done(record, task.video, settings.key, out_dir):
            skipped[task.name] = dict(record, status="skipped")
        else:
            todo.append(task)
    return skipped, todo


def run_batch(tasks: list[Task], settings: Settings, out_dir: Path, *, workers: int, scheduler: str | None = None,
              force: bool = False, on_start: Callable[[int, int, str], None] | None = None,
              on_record: Callable[[dict], None] | None = None) -> Outcome:
    """on_start(to_run, skipped, runner) once before the work; on_record(record) per finished video."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / RECORDS_DIR).mkdir(exist_ok=True)
    except OSError as exc:
        raise PoseStudioError(f"Cannot write into {out_dir} ({exc.strerror or exc}); choose a folder you can "
                              "write to.") from None
    entries, todo = split_done(tasks, settings, out_dir, force)
    runner = describe(workers, scheduler)
    header = {"versions": versions(), "model": {"id": settings.model, "sha256": settings.model_sha256},
              "settings": settings.described(), "settings_key": settings.key, "runner": runner,
              "output_folder": str(out_dir.resolve()), "started": now(), "finished": None}
    if on_start is not None:
        on_start(len(todo), len(entries), runner)
    write_manifest(out_dir, header, tasks, entries)
    last_write = time.monotonic()

    def finished(record: dict) -> None:
        nonlocal last_write
        entries[record["name"]] = record
        if on_record is not None:
            on_record(record)
        if time.monotonic() - last_write >= MANIFEST_EVERY_S:
            write_manifest(out_dir, header, tasks, entries)
            last_write = time.monotonic()

    try:
        if todo:
            run_tasks(todo, settings, str(out_dir.resolve()), finished, workers=workers, scheduler=scheduler)
        header["finished"] = now()
    except BaseException:
        for task in todo:
            record = read_record(out_dir, task.name) if task.name not in entries else None
            if still_done(record, task.video, settings.key, out_dir):
                entries[task.name] = record  # a worker finished it just before the interruption
            elif scheduler is None and task.name not in entries:
                remove_stale_temporaries(out_dir, task.name)  # the local workers are gone: of no use
        raise
    finally:
        manifest = write_manifest(out_dir, header, tasks, entries)
        summary = write_table(out_dir, tasks, entries)
    return Outcome(tasks, entries, manifest, summary)
