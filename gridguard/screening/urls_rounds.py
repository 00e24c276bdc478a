"""Routes of the screening rounds pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
