"""Writes of mass screening, one module per part: rounds (plan, open, scope, reasons), scans (the
sampler's hot path), and the parts after the point (transport, lab results, recall)."""
