"""`alliance-sim sweep`: registered here when implemented."""
