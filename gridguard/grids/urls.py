from django.urls import path

from gridguard.grids import views

app_name = "grids"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.node_detail, name="node"),
    path("<int:pk>/new/", views.child_create, name="child_create"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/split/", views.split, name="split"),
    path("<int:pk>/staff/", views.staff_add, name="staff_add"),
    path("<int:pk>/staff/<int:assignment_id>/remove/", views.staff_remove, name="staff_remove"),
    path("<int:pk>/board/", views.board, name="board"),
    path("<int:pk>/board/print/", views.board_print, name="board_print"),
    path("<int:pk>/coverage/", views.coverage, name="coverage"),
]
