"""The screening pages: each part (rounds and plans, the sampler, transport and lab, coverage) keeps
its own list of routes."""

from gridguard.screening import urls_coverage, urls_lab, urls_rounds, urls_sampler

app_name = "screening"

urlpatterns = [
    *urls_rounds.urlpatterns,
    *urls_sampler.urlpatterns,
    *urls_lab.urlpatterns,
    *urls_coverage.urlpatterns,
]
