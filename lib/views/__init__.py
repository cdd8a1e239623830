"""Read-only displays: one module per notebook, plus shared report and chart helpers."""
