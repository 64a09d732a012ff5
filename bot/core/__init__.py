"""Cross-cutting pieces: configuration, paths and languages."""
