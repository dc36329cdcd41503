from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Min
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView

from core.models import Role
from core.roles import roles_of
from incidents.models import Event, Incident, IncidentStatus

from .forms import TestEmailForm
from .mail import InvalidAddress, SendError
from .models import AWAITING_REPLY, Message, Report, ReportStatus
from .sending import (
    report_confirm_sent,
    report_mark_failed,
    report_problems,
    report_queue,
    report_send_again,
    reports_queue,
    send_test_email,
)


class DashboardView(TemplateView):
    """Home page: incidents by status, the latest incidents, reports awaiting a reply, overdue ISPs."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        counts = dict(Incident.objects.values_list("status").annotate(n=Count("id")))
        by_status = [(value, label, counts.get(value, 0)) for value, label in IncidentStatus.choices]
        return super().get_context_data(
            by_status=by_status,
            latest=Incident.objects.select_related("owner")[:10],
            awaiting=(Report.objects.filter(status__in=AWAITING_REPLY)
                      .select_related("incident", "organisation").order_by("due_at")[:20]),
            needs_decision=(Report.objects.filter(status__in=(ReportStatus.UNKNOWN, ReportStatus.FAILED))
                            .select_related("incident", "organisation").order_by("-updated_at")[:20]),
            overdue_isps=(Report.objects.filter(status=ReportStatus.OVERDUE)
                          .values("organisation__id", "organisation__name")
                          .annotate(reports=Count("id"), oldest_due=Min("due_at"))
                          .order_by("oldest_due")[:20]),
            **kwargs,
        )


class Perm(PermissionRequiredMixin):
    """Signed-in users without the permission get 403 (anonymous ones never get this far)."""

    raise_exception = True


def _back(request, fallback: str):
    """Where a form posted from the incident or report page returns to (never off-site)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


class ReportDetailView(Perm, DetailView):
    """One report: status and its history, the last error, the archived mail, the actions."""

    permission_required = "reports.view_report"
    template_name = "reports/report_detail.html"
    queryset = Report.objects.select_related("incident", "organisation")
    context_object_name = "report"
    RAW_SHOWN = 20_000  # characters of each archived message shown inline; the rest downloads

    def get_context_data(self, **kwargs):
        report = self.object
        messages_ = list(report.messages.order_by("at", "id"))
        for message in messages_:
            raw = bytes(message.raw)
            message.raw_text = raw[: self.RAW_SHOWN].decode("utf-8", "replace")
            message.raw_cut = len(raw) > self.RAW_SHOWN
        return super().get_context_data(
            history=(Event.objects.filter(object_type="report", object_id=str(report.pk))
                     .select_related("actor").order_by("at", "id")),
            mails=messages_,
            attachments=report.attachments.only("name", "size", "sha256", "content_type"),
            problems=report_problems(report) if report.status == ReportStatus.DRAFT else [],
            **kwargs,
        )


class ReportSendView(Perm, View):
    """Approve one draft for sending (draft -> queued)."""

    permission_required = "reports.change_report"

    def post(self, request, pk):
        report = get_object_or_404(Report.objects.select_related("incident", "organisation"), pk=pk)
        try:
            report_queue(actor=request.user, report=report)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, f"Report to {report.organisation} is queued for sending.")
        return _back(request, reverse("reports:detail", args=[report.pk]))


class ReportBulkSendView(Perm, View):
    """Approve the drafts ticked on the incident page."""

    permission_required = "reports.change_report"

    def post(self, request):
        ids = [int(v) for v in request.POST.getlist("reports") if v.isdigit()]
        reports = (Report.objects.filter(pk__in=ids, status=ReportStatus.DRAFT)
                   .select_related("incident", "organisation").order_by("pk"))
        queued, refused = reports_queue(actor=request.user, reports=reports)
        if queued:
            messages.success(request, f"{len(queued)} report(s) queued for sending.")
        for text in refused:
            messages.error(request, text)
        if not queued and not refused:
            messages.info(request, "Tick the drafts to send first.")
        incident = reports[0].incident if reports else None
        return _back(request, incident.get_absolute_url() if incident else reverse("dashboard"))


class ReportDecideView(Perm, View):
    """A person's decision on a report whose sending outcome is unknown."""

    permission_required = "reports.change_report"
    ACTIONS = {
        "sent": (report_confirm_sent, "Recorded as sent."),
        "again": (report_send_again, "Queued to be sent again."),
        "failed": (report_mark_failed, "Marked failed."),
    }

    def post(self, request, pk):
        report = get_object_or_404(Report.objects.select_related("incident", "organisation"), pk=pk)
        action = self.ACTIONS.get(request.POST.get("decision", ""))
        if action is None:
            messages.error(request, "Choose: it was sent, send it again, or mark it failed.")
            return redirect("reports:detail", report.pk)
        decide, done = action
        try:
            decide(actor=request.user, report=report)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, done)
        return redirect("reports:detail", report.pk)


class MessageRawView(Perm, View):
    """An archived mail as it was sent or received (.eml), as an attachment, never rendered."""

    permission_required = "reports.view_message"

    def get(self, request, pk):
        message = get_object_or_404(Message, pk=pk)
        response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="message-{message.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response


class AdminOnly(UserPassesTestMixin):
    raise_exception = True

    def test_func(self):
        return Role.ADMIN in roles_of(self.request.user)


class TestEmailView(AdminOnly, FormView):
    """Send one test email now, with the outgoing mail settings, and show the server's answer."""

    template_name = "reports/test_email.html"
    form_class = TestEmailForm

    def get_context_data(self, **kwargs):
        connection = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
        return super().get_context_data(
            backend=connection, host=getattr(settings, "EMAIL_HOST", ""),
            port=getattr(settings, "EMAIL_PORT", ""), report_from=settings.REPORT_FROM, **kwargs)

    def form_valid(self, form):
        recipient = form.cleaned_data["recipient"]
        try:
            message_id = send_test_email(actor=self.request.user, recipient=recipient)
        except (InvalidAddress, SendError) as exc:
            return self.render_to_response(self.get_context_data(form=form, error=str(exc)))
        return self.render_to_response(self.get_context_data(
            form=self.form_class(initial={"recipient": recipient}),
            sent=f"The mail server accepted the test email to {recipient} ({message_id})."))
