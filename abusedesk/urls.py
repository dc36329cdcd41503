from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views
from reports.views import DashboardView

admin.site.site_header = "AbuseDesk administration"
admin.site.site_title = "AbuseDesk"

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("accounts/profile/", core_views.ProfileView.as_view(), name="profile"),
    path("users/", core_views.UserListView.as_view(), name="users"),
    path("users/new/", core_views.UserEditView.as_view(), name="user_create"),
    path("users/<int:pk>/", core_views.UserEditView.as_view(), name="user_edit"),
    path("incidents/", include("incidents.urls")),
    path("mail/", include("replies.urls")),
    path("contacts/", include("contacts.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
