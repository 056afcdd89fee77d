"""`python -m workbook.cli`: the command line."""

from workbook.cli import main

main()
