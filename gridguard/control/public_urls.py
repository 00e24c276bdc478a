from django.urls import path

from gridguard.control import public

app_name = "public"
urlpatterns = [
    path("r/<int:node_id>-<str:sig>/", public.arrival, name="arrival"),
    path("s/<str:key>/", public.self_report, name="self_report"),
]
