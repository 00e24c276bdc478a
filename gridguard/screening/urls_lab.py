"""Routes of the screening lab pages."""

from django.urls import URLPattern, path

from gridguard.screening import views_lab

urlpatterns: list[URLPattern] = [
    path("lab/", views_lab.lab_home, name="lab_home"),
    path("lab/rounds/<int:pk>/", views_lab.lab_round, name="lab_round"),
    path("lab/rounds/<int:pk>/recalls/", views_lab.recalls, name="lab_recalls"),
    path("lab/rounds/<int:pk>/turnaround/", views_lab.turnaround, name="lab_turnaround"),
    path("lab/points/<int:pk>/", views_lab.lab_point, name="lab_point"),
    path("lab/boxes/<int:pk>/", views_lab.box_detail, name="lab_box"),
    path("lab/boxes/<int:pk>/receive/", views_lab.box_receive_view, name="lab_box_receive"),
]
