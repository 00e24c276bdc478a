from django.urls import path

from gridguard.people import views

app_name = "people"
urlpatterns = [
    path("persons/", views.persons, name="persons"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/move/", views.person_move, name="person_move"),
    path("persons/<int:pk>/death/", views.person_death, name="person_death"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("households/", views.households, name="households"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("organizations/", views.organizations, name="organizations"),
    path("organizations/new/", views.organization_form, name="organization_create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("organizations/<int:pk>/edit/", views.organization_form, name="organization_edit"),
]
