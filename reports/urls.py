from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/send/", views.ReportSendView.as_view(), name="send"),
    path("send/", views.ReportBulkSendView.as_view(), name="bulk_send"),
    path("<int:pk>/decide/", views.ReportDecideView.as_view(), name="decide"),
    path("messages/<int:pk>/raw/", views.MessageRawView.as_view(), name="message_raw"),
    path("test-email/", views.TestEmailView.as_view(), name="test_email"),
]
