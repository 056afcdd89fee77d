"""What every layer shares: the message catalogue, the coded errors, the bundled files, a change."""
