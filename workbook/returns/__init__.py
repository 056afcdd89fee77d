"""A returned workbook checked and merged: validation, alignment, mapping an old template forward, the three-way merge
and the annotated copy. Pure: plain data in, plain data out."""
