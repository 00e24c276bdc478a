"""Routes of the screening lab pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
