"""cluster-wb: industrial-cluster records kept in Excel workbooks officials fill in, merged back safely."""

__version__ = "0.1.0"
