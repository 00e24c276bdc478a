"""The screening API: rounds."""

from ninja import Router

router = Router(tags=["screening"])
