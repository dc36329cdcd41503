"""Unfiled inbound mail, one message's view, and a responder's report actions. Thin views."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView, ListView

from core.mixins import Perm
from reports.models import Message, Report, ReportStatus

from .actions import ActionRefused, report_escalate, report_reopen, report_resolve, report_snooze
from .inbound import discard, file_by_hand

FILEABLE = [s for s in ReportStatus.values if s not in ("draft", "queued")]


class UnfiledListView(Perm, ListView):
    """Mail that matched no report: a responder files it by hand or discards it."""

    permission_required = "reports.view_message"
    template_name = "replies/unfiled.html"
    paginate_by = 50

    def get_queryset(self):
        return Message.objects.filter(direction=Message.Direction.IN, report__isnull=True,
                                      discarded_at__isnull=True).defer("raw")

    def get_context_data(self, **kwargs):
        recent = (Report.objects.filter(status__in=FILEABLE)
                  .select_related("incident", "organisation").order_by("-sent_at", "-id")[:200])
        return super().get_context_data(reports=recent, **kwargs)


class MessageDetailView(Perm, DetailView):
    """One stored message as text: headers and body, never rendered as HTML."""

    permission_required = "reports.view_message"
    model = Message
    template_name = "replies/message.html"

    def get_context_data(self, **kwargs):
        raw = bytes(self.object.raw)
        return super().get_context_data(text=raw[:200_000].decode("utf-8", errors="replace"),
                                        truncated=len(raw) > 200_000, **kwargs)


class MessageFileView(Perm, View):
    permission_required = "reports.change_report"

    def post(self, request, pk):
        message = get_object_or_404(Message, pk=pk, direction=Message.Direction.IN)
        if request.POST.get("action") == "discard":
            discard(actor=request.user, message=message)
            messages.info(request, "Discarded; it stays in the audit trail.")
            return redirect("replies:unfiled")
        report = Report.objects.filter(pk=request.POST.get("report") or 0,
                                       status__in=FILEABLE).first()
        if report is None:
            messages.error(request, "Choose the report this mail answers.")
            return redirect("replies:unfiled")
        file_by_hand(actor=request.user, message=message, report=report)
        messages.success(request, f"Filed on the report to {report.organisation} "
                                  f"({report.incident.reference}).")
        return redirect("replies:unfiled")


class ReportActionView(Perm, View):
    """Snooze, resolve (with a note), reopen or escalate one report."""

    permission_required = "reports.change_report"

    def post(self, request, pk, action):
        report = get_object_or_404(Report.objects.select_related("incident", "organisation"), pk=pk)
        try:
            if action == "snooze":
                hours = int(request.POST.get("hours") or 24)
                if not 1 <= hours <= 24 * 90:
                    raise ActionRefused("Snooze for 1 hour to 90 days.")
                report_snooze(actor=request.user, report=report, hours=hours)
                messages.info(request, f"Snoozed for {hours} h.")
            elif action == "resolve":
                note = request.POST.get("note", "").strip()
                if not note:
                    raise ActionRefused("Say how it was resolved: the note is kept in the audit trail.")
                report_resolve(actor=request.user, report=report, note=note)
                messages.success(request, "Resolved.")
            elif action == "reopen":
                report_reopen(actor=request.user, report=report)
                messages.info(request, "Reopened.")
            elif action == "escalate":
                draft = report_escalate(actor=request.user, report=report)
                messages.info(request, "Escalated; a draft to the upstream contact is ready." if draft
                              else "Escalated; no upstream contact was found (see the history).")
            else:
                raise ActionRefused("Unknown action.")
        except (ActionRefused, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect(report.incident.get_absolute_url() + "#reports")
