from django.urls import path

from . import views

app_name = "replies"
urlpatterns = [
    path("unfiled/", views.UnfiledListView.as_view(), name="unfiled"),
    path("messages/<int:pk>/", views.MessageDetailView.as_view(), name="message"),
    path("messages/<int:pk>/file/", views.MessageFileView.as_view(), name="file"),
    path("reports/<int:pk>/<str:action>/", views.ReportActionView.as_view(), name="report_action"),
]
