"""The curated knowledge base: its schema, loading with file:line errors, and validation."""
