"""`alliance-sim compare`: registered here when implemented."""
