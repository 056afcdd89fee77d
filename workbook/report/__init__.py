"""The consolidated report: its figures (pure) and its workbook."""
