"""Pure formatters of already-filtered contact records (see README.md here)."""
