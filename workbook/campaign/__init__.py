"""Reporting rounds: who was issued what, return attempts and states (pure), the tracker workbook."""
