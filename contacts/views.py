from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Count, Max, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import UpdateView
from django_filters.views import FilterView

from .filters import OrganisationFilter
from .forms import OrganisationForm
from .lookup import organisation_refresh_request
from .models import CatchAllMailbox, Network, Organisation
from .services import organisation_update


class Perm(PermissionRequiredMixin):
    raise_exception = True


class OrganisationListView(Perm, FilterView):
    permission_required = "contacts.view_organisation"
    filterset_class = OrganisationFilter
    template_name = "contacts/organisation_list.html"
    paginate_by = 25

    def get_queryset(self):
        return (Organisation.objects
                .annotate(incident_count=Count("networks__offenders__incident", distinct=True),
                          report_count=Count("reports", distinct=True),
                          network_count=Count("networks", distinct=True),
                          fetched=Max("networks__fetched_at"))
                .prefetch_related(Prefetch("networks", queryset=Network.objects.order_by("start_key")),
                                  "addresses")
                .order_by("name", "id"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            catch_all=set(CatchAllMailbox.objects.values_list("email", flat=True)), **kwargs)


class OrganisationEditView(Perm, UpdateView):
    permission_required = "contacts.change_organisation"
    model = Organisation
    form_class = OrganisationForm
    template_name = "contacts/organisation_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            networks=self.object.networks.order_by("start_key"),
            addresses=self.object.addresses.all(),
            catch_all=set(CatchAllMailbox.objects.values_list("email", flat=True)), **kwargs)

    def form_valid(self, form):
        organisation_update(actor=self.request.user, organisation=form.save(commit=False),
                            manual_addresses=form.cleaned_data["manual_addresses"])
        messages.success(self.request, f"Saved {self.object.name}.")
        return redirect("contacts:edit", pk=self.object.pk)


class OrganisationRefreshView(Perm, View):
    """POST only: a worker asks RDAP again for each of the organisation's networks."""

    permission_required = "contacts.change_organisation"

    def post(self, request, pk):
        organisation = get_object_or_404(Organisation, pk=pk)
        organisation_refresh_request(organisation.pk)
        messages.info(request, f"Asked the registries again about {organisation.name}; "
                               "this page shows the answer once a worker has it.")
        return redirect("contacts:edit", pk=organisation.pk)
