"""The screening JSON API: one router, made of each part's router (the sampler's scans, transport
and lab results, rounds and coverage)."""

from ninja import Router

from gridguard.screening import api_coverage, api_lab, api_rounds, api_sampler

router = Router(tags=["screening"])
router.add_router("/", api_rounds.router)
router.add_router("/", api_sampler.router)
router.add_router("/", api_lab.router)
router.add_router("/", api_coverage.router)
