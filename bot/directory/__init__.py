"""What staff and other systems do with the directory: revisions and rollback, previews,
spreadsheets and files, snapshots for publishing, the HSDS 3.0 mapping and its import."""
