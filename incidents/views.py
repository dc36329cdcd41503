from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.views import View
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from contacts.services import offenders_by_organisation
from core.mixins import Perm

from .filters import IncidentFilter
from .forms import EvidenceUploadForm, IncidentForm
from .models import Evidence, Incident, Offender
from .parsing import evidence_parse_request, offender_exclude
from .resolving import incident_resolve_request
from .services import evidence_ingest, evidence_open, incident_create, incident_update


class IncidentListView(Perm, FilterView):
    permission_required = "incidents.view_incident"
    filterset_class = IncidentFilter
    template_name = "incidents/incident_list.html"
    paginate_by = 25

    def get_queryset(self):
        return (Incident.objects.select_related("owner")
                .annotate(offender_count=Count("offenders", distinct=True),
                          evidence_count=Count("evidence", distinct=True))
                .order_by("-detected_at", "-id"))


class IncidentDetailView(Perm, DetailView):
    permission_required = "incidents.view_incident"
    model = Incident
    slug_field = slug_url_kwarg = "reference"
    template_name = "incidents/incident_detail.html"

    def get_queryset(self):
        return Incident.objects.select_related("owner", "created_by")

    OFFENDER_SORTS = {"source", "count", "first_seen", "last_seen", "rate_per_minute"}

    def offender_order(self) -> list[str]:
        key = self.request.GET.get("sort", "-count")
        if key.lstrip("-") not in self.OFFENDER_SORTS:
            key = "-count"
        return [key, "source"]

    def get_context_data(self, **kwargs):
        incident = self.object
        return super().get_context_data(
            evidence_list=incident.evidence.select_related("uploaded_by"),
            offenders=(incident.offenders.order_by(*self.offender_order())
                       .prefetch_related("evidence")[:1000]),
            offender_sort=self.request.GET.get("sort", "-count"),
            unresolved_names=incident.offenders.filter(ip__isnull=True,
                                                       resolved_at__isnull=True).count(),
            offender_groups=offenders_by_organisation(
                incident.offenders.select_related("network__organisation")
                .prefetch_related("network__organisation__addresses")
                .order_by("-count", "source")[:1000]),
            offender_columns=[("source", "Source"), ("first_seen", "First seen"),
                              ("last_seen", "Last seen"), ("count", "Count"),
                              ("rate_per_minute", "Per minute")],
            events=incident.events.select_related("actor")[:200],
            reports=incident.reports.select_related("organisation"),
            upload_form=EvidenceUploadForm(),
            max_upload_bytes=settings.EVIDENCE_MAX_BYTES,
            **kwargs,
        )


class IncidentCreateView(Perm, CreateView):
    permission_required = "incidents.add_incident"
    form_class = IncidentForm
    template_name = "incidents/incident_form.html"

    def form_valid(self, form):
        data = form.cleaned_data
        incident = incident_create(actor=self.request.user, **data)
        messages.success(self.request, f"Incident {incident.reference} created.")
        return redirect(incident)


class IncidentUpdateView(Perm, UpdateView):
    permission_required = "incidents.change_incident"
    model = Incident
    slug_field = slug_url_kwarg = "reference"
    form_class = IncidentForm
    template_name = "incidents/incident_form.html"

    def form_valid(self, form):
        # The form has already set the new values on the instance; the service records the diff.
        incident_update(actor=self.request.user, incident=self.object)
        messages.success(self.request, f"Incident {self.object.reference} saved.")
        return redirect(self.object)


REJECTION_TEXT = {
    "too_large": "{name} is larger than the {limit} limit and was not stored.",
}


class EvidenceUploadView(Perm, View):
    """Takes one or more files (picked or dropped). Answers JSON to the page's script, or
    redirects back with messages when the browser posted the plain form."""

    permission_required = "incidents.add_evidence"

    def post(self, request, reference):
        incident = get_object_or_404(Incident, reference=reference)
        form = EvidenceUploadForm(request.POST, request.FILES)
        errors, stored = [], []
        if getattr(request, "upload_interrupted", False):
            errors.append("The upload broke off before the last file arrived; nothing was "
                          "stored. Please upload again.")
        limit = filesizeformat(settings.EVIDENCE_MAX_BYTES)
        errors += [REJECTION_TEXT[reason].format(name=name, limit=limit)
                   for name, reason in getattr(request, "upload_rejected", [])]
        if not form.is_valid():
            errors += [f"{form.fields[f].label or f.replace('_', ' ').capitalize()}: {e}"
                       for f, errs in form.errors.items() for e in errs]
        elif not errors:
            uploads = form.cleaned_data["files"]
            if not uploads:
                errors.append("Choose or drop at least one file.")
            for upload in uploads:
                try:
                    evidence = evidence_ingest(
                        actor=request.user, incident=incident, upload=upload,
                        description=form.cleaned_data["description"],
                        time_zone=form.cleaned_data["time_zone"],
                        ends_at=form.cleaned_data["ends_at"],
                    )
                except ValidationError as exc:
                    errors += exc.messages
                else:
                    stored.append({"id": evidence.pk, "name": evidence.original_name,
                                   "size": evidence.size, "sha256": evidence.sha256})
        status = 400 if errors and not stored else 200
        if request.accepts("application/json") and not request.accepts("text/html"):
            return JsonResponse({"stored": stored, "errors": errors}, status=status)
        for item in stored:
            messages.success(request, f"Stored {item['name']} (SHA-256 {item['sha256']}).")
        for error in errors:
            messages.error(request, error)
        return redirect(incident)


class EvidenceParseView(Perm, View):
    """Parse a file again, e.g. after a parser improved. Never duplicates offenders."""

    permission_required = "incidents.change_evidence"

    def post(self, request, pk):
        evidence = get_object_or_404(Evidence.objects.select_related("incident"), pk=pk)
        evidence_parse_request(actor=request.user, evidence=evidence)
        messages.info(request, f"{evidence.original_name} will be parsed again.")
        return redirect(evidence.incident)


class EvidenceStatusView(Perm, View):
    """What the incident page polls while files are being parsed."""

    permission_required = "incidents.view_evidence"

    def get(self, request, reference):
        rows = Evidence.objects.filter(incident__reference=reference).values(
            "pk", "state", "bytes_read", "size", "records", "skipped", "offenders_found",
            "detected_format", "errors_total", "parse_error")
        return JsonResponse({"evidence": list(rows)})


class OffenderExcludeView(Perm, View):
    permission_required = "incidents.change_offender"

    def post(self, request, pk):
        offender = get_object_or_404(Offender.objects.select_related("incident"), pk=pk)
        reason = request.POST.get("reason", "")
        if request.POST.get("action") == "exclude" and not reason.strip():
            messages.error(request, "Say why the address is excluded: the reason is kept in the "
                                    "audit trail.")
        else:
            offender_exclude(actor=request.user, offender=offender,
                             reason=reason if request.POST.get("action") == "exclude" else "")
        return redirect(offender.incident.get_absolute_url() + "#offenders")


class HostNameResolveView(Perm, View):
    """Resolve the host names the evidence named, on an admin's explicit request."""

    permission_required = "incidents.change_offender"

    def post(self, request, reference):
        incident = get_object_or_404(Incident, reference=reference)
        count = incident_resolve_request(actor=request.user, incident=incident)
        if count:
            messages.info(request, f"{count} host name(s) will be resolved; reload in a moment.")
        else:
            messages.info(request, "There is no host name left to resolve.")
        return redirect(incident.get_absolute_url() + "#offenders")


class EvidenceDownloadView(Perm, View):
    """The only way evidence leaves the store: permission checked, audited, sent as attachment."""

    permission_required = "incidents.view_evidence"

    def get(self, request, pk):
        evidence = get_object_or_404(Evidence.objects.select_related("incident"), pk=pk)
        if not request.user.has_perm("incidents.view_incident"):
            raise PermissionDenied
        handle = evidence_open(actor=request.user, evidence=evidence)
        response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                                content_type="application/octet-stream")
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        response["X-Evidence-SHA256"] = evidence.sha256
        return response
