"""The screening API: coverage."""

from ninja import Router

router = Router(tags=["screening"])
