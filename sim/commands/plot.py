"""`alliance-sim plot`: registered here when implemented."""
