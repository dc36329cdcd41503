from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, UpdateView

from incidents.audit import audit_record

from .forms import ProfileForm, UserForm
from .health import health
from .models import Profile
from .roles import roles_of, set_role
from .timezones import available_zones


@never_cache
@login_not_required
def healthz(request):
    ok, body = health()
    return JsonResponse(body, status=200 if ok else 503)


class ProfileView(UpdateView):
    form_class = ProfileForm
    template_name = "core/profile.html"
    success_url = reverse_lazy("profile")

    def get_object(self, queryset=None):
        profile, _ = Profile.objects.get_or_create(user=self.request.user)
        return profile

    def get_context_data(self, **kwargs):
        return super().get_context_data(zone_names=available_zones(), **kwargs)

    def form_valid(self, form):
        messages.success(self.request, f"Times are now shown in {form.cleaned_data['time_zone']}.")
        return super().form_valid(form)


class UsersPerm(PermissionRequiredMixin):
    permission_required = ("auth.view_user", "auth.change_user")
    raise_exception = True


class UserListView(UsersPerm, ListView):
    template_name = "core/user_list.html"
    queryset = get_user_model().objects.prefetch_related("groups").order_by("username")


class UserEditView(UsersPerm, UpdateView):
    """Admins create users and give each one role (admin, responder, viewer)."""

    form_class = UserForm
    template_name = "core/user_form.html"
    success_url = reverse_lazy("users")

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return get_user_model()()
        return super().get_object(get_user_model().objects.all())

    def get_initial(self):
        roles = roles_of(self.object) if self.object.pk else set()
        return {"role": next(iter(sorted(roles)), "viewer")}

    @transaction.atomic
    def form_valid(self, form):
        creating = form.instance.pk is None
        user = form.save(commit=False)
        if form.cleaned_data["password"]:
            user.set_password(form.cleaned_data["password"])
        user.save()
        set_role(user, form.cleaned_data["role"])
        audit_record(actor=self.request.user, action="create" if creating else "change", obj=user,
                     summary=f"{'Created' if creating else 'Changed'} user {user.username} "
                             f"({form.cleaned_data['role']}, active={user.is_active})",
                     after={"role": form.cleaned_data["role"], "is_active": user.is_active})
        messages.success(self.request, f"User {user.username} saved.")
        return redirect(self.success_url)
