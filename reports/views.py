from email import message_from_bytes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, Min
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import CreateView, DetailView, FormView, ListView, TemplateView, UpdateView

from core.mixins import Perm
from core.models import Role
from core.roles import roles_of
from incidents.audit import audit_record
from incidents.models import Event, Incident, IncidentStatus

from .composing import report_edit, report_recompose_request, reports_prepare
from .forms import PrepareForm, ReportTemplateForm, ReportTextForm, TestEmailForm
from .mail import POLICY, InvalidAddress, SendError, build_report_message, now_utc
from .models import AWAITING_REPLY, Message, Report, ReportAttachment, ReportStatus, ReportTemplate
from .sending import (
    report_confirm_sent,
    report_mark_failed,
    report_problems,
    report_queue,
    report_send_again,
    reports_queue,
    send_test_email,
)
from .templating import PLACEHOLDERS


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


def _act(request, action, done: str) -> bool:
    """Run a domain action; its refusal (ValidationError) or ``done`` becomes the page's message."""
    try:
        action()
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return False
    messages.success(request, done)
    return True


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
            preview=self.preview(report),
            history=(Event.objects.filter(object_type="report", object_id=str(report.pk))
                     .select_related("actor").order_by("at", "id")),
            mails=messages_,
            attachments=report.attachments.only("name", "size", "sha256", "content_type", "kind"),
            redactions=sorted(report.redactions.items()),
            problems=report_problems(report) if report.status == ReportStatus.DRAFT else [],
            **kwargs,
        )


    PREVIEW_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Message-ID")

    def preview(self, report: Report) -> dict | None:
        """The draft exactly as it will go out (only Date is set when it is sent)."""
        if report.status != ReportStatus.DRAFT or report.composing or not report.reply_token:
            return None
        try:
            outgoing = build_report_message(report, date=now_utc())
        except (InvalidAddress, ValueError) as exc:
            return {"error": str(exc)}
        parsed = message_from_bytes(outgoing.raw, policy=POLICY)
        return {"headers": [(name, parsed[name]) for name in self.PREVIEW_HEADERS if parsed[name]],
                "size": len(outgoing.raw), "bcc": [r for r in outgoing.recipients
                                                   if r not in outgoing.shown_to]}


class ReportSendView(Perm, View):
    """Approve one draft for sending (draft -> queued)."""

    permission_required = "reports.change_report"

    def post(self, request, pk):
        report = get_object_or_404(Report.objects.select_related("incident", "organisation"), pk=pk)
        _act(request, lambda: report_queue(actor=request.user, report=report),
             f"Report to {report.organisation} is queued for sending.")
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
        _act(request, lambda: decide(actor=request.user, report=report), done)
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


class ReportPrepareView(Perm, View):
    """"Prepare reports" on the incident page: one draft per responsible organisation."""

    permission_required = "reports.add_report"

    def post(self, request, reference):
        incident = get_object_or_404(Incident, reference=reference)
        form = PrepareForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The Prepare form was not understood.")
            return redirect(incident.get_absolute_url() + "#reports")
        prepared = reports_prepare(actor=request.user, incident=incident,
                                   digest=form.cleaned_data["digest"],
                                   action_taken=form.cleaned_data["action_taken"])
        if prepared.created:
            messages.success(request, f"{len(prepared.created)} draft report(s) prepared; their "
                                      "evidence excerpts and text are being composed.")
        for skipped in prepared.skipped:
            hosts = ", ".join(skipped.sources[:5]) + (" …" if len(skipped.sources) > 5 else "")
            messages.warning(request, f"No report to {skipped.who} ({hosts}): {skipped.reason}.")
        if not prepared.created and not prepared.skipped:
            messages.info(request, "No reportable offenders: nothing to prepare.")
        return redirect(incident.get_absolute_url() + "#reports")


class DraftMixin(Perm):
    permission_required = "reports.change_report"

    def draft(self, pk) -> Report:
        return get_object_or_404(Report.objects.select_related("incident", "organisation"), pk=pk)


class ReportEditView(DraftMixin, FormView):
    """Edit the subject and text of one draft before it is sent."""

    template_name = "reports/report_edit.html"
    form_class = ReportTextForm

    @cached_property
    def report(self) -> Report:
        return self.draft(self.kwargs["pk"])

    def get_initial(self):
        return {"subject": self.report.subject, "body": self.report.body}

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.report, **kwargs)

    def form_valid(self, form):
        _act(self.request, lambda: report_edit(actor=self.request.user, report=self.report,
                                               subject=form.cleaned_data["subject"],
                                               body=form.cleaned_data["body"]),
             "Text saved; it is sent as you see it in the preview.")
        return redirect("reports:detail", self.report.pk)


class ReportRecomposeView(DraftMixin, View):
    def post(self, request, pk):
        report = self.draft(pk)
        _act(request, lambda: report_recompose_request(actor=request.user, report=report),
             "The draft is being composed again from its template.")
        return redirect("reports:detail", report.pk)


class AttachmentDownloadView(Perm, View):
    """An attachment of a report, as it is (or was) sent; never rendered inline. An excerpt is
    evidence: every download is in the audit trail, as evidence downloads are."""

    permission_required = "reports.view_report"

    def get(self, request, pk, attachment_pk):
        attachment = get_object_or_404(ReportAttachment.objects.select_related("report__incident"),
                                       pk=attachment_pk, report_id=pk)
        audit_record(actor=request.user, action="download", obj=attachment.report,
                     incident=attachment.report.incident,
                     summary=f"Downloaded {attachment.name} of the report to "
                             f"{attachment.report.organisation}")
        response = HttpResponse(bytes(attachment.data), content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, attachment.name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response


class TemplateListView(Perm, ListView):
    permission_required = "reports.view_reporttemplate"
    template_name = "reports/template_list.html"
    model = ReportTemplate
    context_object_name = "templates"

    def get_context_data(self, **kwargs):
        return super().get_context_data(placeholders=PLACEHOLDERS, **kwargs)


class TemplateEditMixin(Perm):
    model = ReportTemplate
    form_class = ReportTemplateForm
    template_name = "reports/template_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(placeholders=PLACEHOLDERS, **kwargs)

    def form_valid(self, form):
        before = None
        if form.instance.pk:
            before = ReportTemplate.objects.filter(pk=form.instance.pk).values(
                "name", "category", "language", "subject", "body", "active").first()
        form.instance.updated_by = self.request.user
        try:
            response = super().form_valid(form)
        except IntegrityError:
            form.add_error("active", "Another active template has this category and language; "
                                     "deactivate that one first.")
            return self.form_invalid(form)
        audit_record(actor=self.request.user, action="template_edit", obj=self.object,
                     summary=f"Report template {self.object.name} saved", before=before,
                     after={"name": self.object.name, "category": self.object.category,
                            "language": self.object.language, "subject": self.object.subject,
                            "body": self.object.body, "active": self.object.active})
        messages.success(self.request, f"Template {self.object.name} saved.")
        return response

    def get_success_url(self):
        return reverse("reports:templates")


class TemplateCreateView(TemplateEditMixin, CreateView):
    permission_required = "reports.add_reporttemplate"


class TemplateUpdateView(TemplateEditMixin, UpdateView):
    permission_required = "reports.change_reporttemplate"
