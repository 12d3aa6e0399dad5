"""Jobs: recordings partners order in their programs, with scripts, deliveries, approval and edits."""
