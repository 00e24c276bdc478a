"""Routes of the screening rounds pages: rounds, their plans, slot notices and personal codes."""

from django.urls import URLPattern, path

from gridguard.screening import public_codes
from gridguard.screening import views_rounds as v

urlpatterns: list[URLPattern] = [
    path("rounds/", v.round_list, name="rounds"),
    path("rounds/new/", v.round_create, name="round_create"),
    path("rounds/<int:pk>/", v.round_detail, name="round"),
    path("rounds/<int:pk>/plan/", v.round_plan, name="round_plan"),
    path("rounds/<int:pk>/open/", v.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", v.round_close, name="round_close"),
    path("rounds/<int:pk>/exempt/", v.round_exempt, name="round_exempt"),
    path("rounds/<int:pk>/points/new/", v.point_create, name="point_create"),
    path("rounds/<int:pk>/points/<int:point_pk>/", v.point_detail, name="point"),
    path("rounds/<int:pk>/slots.xlsx", v.slot_export, name="slot_export"),
    path("rounds/<int:pk>/notices/<int:grid_id>.pdf", v.slot_notice, name="slot_notice"),
    path("codes/", v.code_sheets, name="code_sheets"),
    path("codes/households/<int:pk>.pdf", v.household_codes, name="household_codes"),
    path("codes/nodes/<int:node_id>.pdf", v.building_codes, name="building_codes"),
    path("codes/persons/<int:pk>/reissue/", v.person_code_reissue, name="code_reissue"),
    path("codes/persons/<int:pk>/link/", v.person_code_link, name="code_link"),
    path("c/<str:token>/", public_codes.my_code, name="my_code"),
]
