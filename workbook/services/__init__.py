"""What the interfaces share: each function opens what it needs from the store, calls the stages and returns plain
data. The command line (and the portal) only parse, call and show."""
