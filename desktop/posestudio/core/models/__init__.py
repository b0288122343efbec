"""Pose models: the registry of ids and files (registry), the build (build), keypoint sets (skeleton), the estimators (pose)."""
