"""The screening API: lab."""

from ninja import Router

router = Router(tags=["screening"])
