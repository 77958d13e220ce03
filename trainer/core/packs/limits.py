"""Loader limits, in a module light enough for the CLI to import before it needs YAML."""

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
