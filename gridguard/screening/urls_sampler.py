"""Routes of the screening sampler pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
