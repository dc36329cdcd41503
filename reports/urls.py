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
    path("prepare/<str:reference>/", views.ReportPrepareView.as_view(), name="prepare"),
    path("<int:pk>/edit/", views.ReportEditView.as_view(), name="edit"),
    path("<int:pk>/recompose/", views.ReportRecomposeView.as_view(), name="recompose"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.AttachmentDownloadView.as_view(),
         name="attachment"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/new/", views.TemplateCreateView.as_view(), name="template_new"),
    path("templates/<int:pk>/", views.TemplateUpdateView.as_view(), name="template_edit"),
]
