"""Routes of the screening coverage pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
