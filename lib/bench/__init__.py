"""The benchmark and its synthetic corpus generator."""
