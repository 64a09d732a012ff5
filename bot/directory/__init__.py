"""What staff and consumers do with the directory as a whole: snapshots, HSDS mapping, imports."""
