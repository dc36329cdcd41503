from django.contrib import messages
from django.db.models import Count, Max, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import UpdateView
from django_filters.views import FilterView

from core.mixins import Perm
from incidents.models import Incident

from .filters import OrganisationFilter
from .forms import OrganisationForm
from .lookup import incident_contacts_request, network_parent_request, organisation_refresh_request
from .models import CatchAllMailbox, Network, Organisation
from .services import organisation_update


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
            networks=self.object.networks.select_related("parent").order_by("start_key"),
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


class NetworkParentView(Perm, View):
    """POST only: a worker looks up the network above this one (the upstream provider)."""

    permission_required = "contacts.change_organisation"

    def post(self, request, pk):
        network = get_object_or_404(Network, pk=pk)
        network_parent_request(network.pk)
        messages.info(request, f"Looking up the network above {network.handle or network.start}.")
        if network.organisation_id:
            return redirect("contacts:edit", pk=network.organisation_id)
        return redirect("contacts:list")


class IncidentLookupView(Perm, View):
    """POST only: resolve the incident's offenders that have no current network."""

    permission_required = "incidents.change_offender"

    def post(self, request, reference):
        incident = get_object_or_404(Incident, reference=reference)
        incident_contacts_request(incident.pk)
        messages.info(request, "Looking up the offenders' networks and abuse contacts.")
        return redirect(f"{incident.get_absolute_url()}#by-organisation")
