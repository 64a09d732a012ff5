"""What staff do to the directory: revisions and rollback, previews, spreadsheets and files."""
