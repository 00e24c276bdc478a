"""Routes of the screening sampler pages."""

from django.urls import URLPattern, path

from gridguard.screening import views_sampler

urlpatterns: list[URLPattern] = [
    path("sampler/", views_sampler.my_points, name="sampler_points"),
    path("sampler/sw.js", views_sampler.service_worker, name="sampler_sw"),
    path("sampler/rounds/<int:round_id>/points/<int:point_id>/", views_sampler.point_page, name="sampler_point"),
]
