"""Batch runs: many videos, one task each, on all local cores or a Dask cluster, resumable.

plan      inputs (files, folders, lists) -> tasks with collision-free output names; the settings and their key
pipeline  the one place that calls the analysis, the writers and the video export for one video
task      the per-video task a worker runs (estimator reused per process), its durable record
records   the records on disk, what a re-run may skip, manifest.json and summary.csv
one_core  a worker with one thread keeps to one core (its pools pinned, decoding and model in turn)
runner    Dask (LocalCluster or a scheduler address) or, without Dask, a standard-library process pool
"""
