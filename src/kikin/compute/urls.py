from django.urls import path

from . import views

app_name = "compute"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("awards/<int:pk>/", views.award_page, name="award"),
    path("pools/", views.pools, name="pools"),
    path("pools/<int:pk>/", views.pool_page, name="pool"),
    path("allocations/<int:pk>/", views.allocation_change, name="allocation"),
    path("imports/<int:pk>/", views.import_report, name="import"),
    path("alerts/", views.alerts, name="alerts"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
]
