from django.urls import path

from . import views

app_name = "contacts"
urlpatterns = [
    path("", views.OrganisationListView.as_view(), name="list"),
    path("<int:pk>/", views.OrganisationEditView.as_view(), name="edit"),
    path("<int:pk>/refresh/", views.OrganisationRefreshView.as_view(), name="refresh"),
    path("networks/<int:pk>/parent/", views.NetworkParentView.as_view(), name="network_parent"),
    path("incidents/<str:reference>/lookup/", views.IncidentLookupView.as_view(),
         name="incident_lookup"),
]
