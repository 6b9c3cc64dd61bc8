"""alliance-sim."""
