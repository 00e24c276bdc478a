from django.urls import path

from gridguard.control import views

app_name = "control"
urlpatterns = [
    path("", views.orders, name="orders"),
    path("export/", views.orders_export, name="orders_export"),
    path("new/", views.order_create, name="order_create"),
    path("today/", views.today, name="today"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/rows/", views.alert_rows, name="alert_rows"),
    path("alerts/<int:pk>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("arrivals/", views.arrivals, name="arrivals"),
    path("arrivals/<int:pk>/", views.arrival_verify, name="arrival"),
    path("posters/", views.posters, name="posters"),
    path("posters/<int:node_id>/", views.poster, name="poster"),
    path("needs/", views.needs, name="needs"),
    path("policies/", views.policies, name="policies"),
    path("policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("needs/<int:pk>/", views.need_update, name="need_update"),
    path("tests/<int:pk>/result/", views.test_result, name="test_result"),
    path("<int:pk>/", views.order_detail, name="order"),
    path("<int:pk>/team/", views.order_team, name="order_team"),
    path("<int:pk>/check/", views.order_check, name="order_check"),
    path("<int:pk>/link/", views.order_link, name="order_link"),
    path("<int:pk>/need/", views.order_need, name="order_need"),
    path("<int:pk>/notice.pdf", views.order_notice, name="order_notice"),
    path("<int:pk>/<slug:action>/", views.order_action, name="order_action"),
]
