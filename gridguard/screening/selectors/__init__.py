"""Reads of the screening app, one module per part (sampler, rounds, lab, coverage)."""
