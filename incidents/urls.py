from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.IncidentListView.as_view(), name="list"),
    path("new/", views.IncidentCreateView.as_view(), name="create"),
    path("<str:reference>/", views.IncidentDetailView.as_view(), name="detail"),
    path("<str:reference>/edit/", views.IncidentUpdateView.as_view(), name="edit"),
    path("<str:reference>/evidence/", views.EvidenceUploadView.as_view(), name="upload"),
    path("evidence/<int:pk>/download/", views.EvidenceDownloadView.as_view(), name="download"),
    path("evidence/<int:pk>/parse/", views.EvidenceParseView.as_view(), name="parse"),
    path("<str:reference>/evidence/status/", views.EvidenceStatusView.as_view(),
         name="evidence_status"),
    path("<str:reference>/resolve/", views.HostNameResolveView.as_view(), name="resolve"),
    path("offenders/<int:pk>/exclude/", views.OffenderExcludeView.as_view(),
         name="offender_exclude"),
]
