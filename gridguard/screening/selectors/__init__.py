"""Reads of mass screening, one module per part."""
