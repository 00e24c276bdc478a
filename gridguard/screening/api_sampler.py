"""The screening API: sampler."""

from ninja import Router

router = Router(tags=["screening"])
