"""Routes of the screening coverage pages, and the public page of a sampling point's queue."""

from django.urls import URLPattern, path

from gridguard.screening import views_coverage as views

urlpatterns: list[URLPattern] = [
    path("coverage/", views.rounds, name="coverage_rounds"),
    path("coverage/<int:round_id>/", views.coverage, name="coverage"),
    path("coverage/<int:round_id>/missing/", views.missing, name="coverage_missing"),
    path("coverage/<int:round_id>/missing/export/", views.missing_export, name="coverage_missing_export"),
    path("coverage/<int:round_id>/door/", views.door, name="coverage_door"),
    path("coverage/<int:round_id>/e/<int:pk>/reason/", views.reason_record, name="coverage_reason"),
    path("coverage/<int:round_id>/e/<int:pk>/phone/", views.phone_reveal, name="coverage_phone"),
    path("q/<str:key>/", views.point_public, name="point_public"),
]
