"""A batch's memory on disk: one record per video as it finishes, then manifest.json and summary.csv.

A record is written atomically by whoever finished the video (the worker, or the client for a task the
cluster lost), so a crash or Ctrl+C loses at most the videos still running; the next run reads the records
to skip what is done. The manifest and the table are rebuilt from the records, never edited in place.
"""

from __future__ import annotations

import glob
import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from posestudio.core.atomic import atomic_path
from posestudio.core.batch.pipeline import fingerprint, write_summary

log = logging.getLogger(__name__)

RECORDS_DIR = ".posestudio-batch"
MANIFEST = "manifest.json"
SUMMARY = "summary.csv"
MANIFEST_VERSION = 1


def record_path(out_dir: Path, name: str) -> Path:
    return Path(out_dir) / RECORDS_DIR / f"{name}.json"


def write_record(out_dir: Path, record: dict) -> None:
    path = record_path(out_dir, record["name"])
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record), encoding="utf-8")


def read_record(out_dir: Path, name: str) -> dict | None:
    try:
        return json.loads(record_path(out_dir, name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("ignoring unreadable batch record for %s", name, exc_info=True)
        return None


def remove_stale_temporaries(out_dir: Path, name: str) -> None:
    """Temporary files an earlier run left when it was killed mid-write (atomic_path names them '.<stem>.*',
    and '..<stem>.*' when a writer made its own beside ours)."""
    folder = glob.escape(str(out_dir))
    for stale in glob.glob(os.path.join(folder, f".{glob.escape(name)}.*")) + \
            glob.glob(os.path.join(folder, f"..{glob.escape(name)}.*")):
        try:
            os.unlink(stale)
        except OSError:
            log.warning("cannot remove %s", stale, exc_info=True)


def still_done(record: dict | None, video: str, settings_key: str, out_dir: Path) -> bool:
    """True when an earlier run finished this video with these settings and nothing changed since:
    same settings key, every output still there, and the same file content (size and modification time
    as recorded, else the content fingerprint, so a copied or touched but unchanged file is not redone)."""
    if not record or record.get("status") != "done" or record.get("settings_key") != settings_key:
        return False
    if not all((Path(out_dir) / name).is_file() for name in record.get("outputs", [])):
        return False
    try:
        st = os.stat(video)
        if st.st_size == record.get("size") and st.st_mtime_ns == record.get("mtime_ns"):
            return True
        return fingerprint(Path(video)) == record.get("fingerprint")
    except OSError:
        return False


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_MANIFEST_FIELDS = ("video", "name", "status", "reason", "frames", "seconds", "cpu_seconds", "outputs", "notes",
                    "fingerprint", "worker", "peak_rss_mb")


def write_manifest(out_dir: Path, header: dict, tasks, entries: dict[str, dict]) -> Path:
    """manifest.json: the run's header (versions, settings, runner) and one entry per task in input order;
    tasks without an entry yet are 'pending' (the run was interrupted before them)."""
    videos, counts = [], {}
    for task in tasks:
        entry = entries.get(task.name) or {"video": task.video, "name": task.name, "status": "pending"}
        item = {k: entry[k] for k in _MANIFEST_FIELDS if k in entry}
        counts[item["status"]] = counts.get(item["status"], 0) + 1
        videos.append(item)
    manifest = dict(header, manifest_version=MANIFEST_VERSION, written=now(), counts=counts, videos=videos)
    path = Path(out_dir) / MANIFEST
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return path


def write_table(out_dir: Path, tasks, entries: dict[str, dict]) -> Path:
    """summary.csv: the `analyze --summary` rows of every done or skipped video, in input order."""
    rows = []
    for task in tasks:
        entry = entries.get(task.name)
        if entry and entry.get("status") in ("done", "skipped"):
            rows += entry.get("summary", [])
    return write_summary(rows, Path(out_dir) / SUMMARY)
