"""Evaluation: golden cases, grading, runners and reports. `shopassist eval` is a thin CLI over it."""
