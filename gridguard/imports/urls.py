from django.urls import path

from gridguard.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/progress/", views.job_progress, name="progress"),
    path("<int:pk>/report.xlsx", views.job_report, name="report"),
    path("template/<str:kind>.xlsx", views.template, name="template"),
    path("export/<str:kind>.xlsx", views.export, name="export"),
]
