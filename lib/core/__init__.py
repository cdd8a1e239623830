"""The bottom layer: knows no stage. Documents, the store, table declarations, caches, vocabularies, the model, dates, quantities, horizons."""
