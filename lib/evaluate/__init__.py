"""Gold data loading and precision/recall per stage."""
