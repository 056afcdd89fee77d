"""Workbooks on disk: writing them, the input guard, reading them back, and the layout contract between."""
