"""Across documents, no parsing: the actors registry, canonical sources, clusters, grading, judgments."""
