from django.db.models import Count, Min
from django.views.generic import TemplateView

from incidents.models import Incident, IncidentStatus

from .models import AWAITING_REPLY, Report, ReportStatus


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
            overdue_isps=(Report.objects.filter(status=ReportStatus.OVERDUE)
                          .values("organisation__id", "organisation__name")
                          .annotate(reports=Count("id"), oldest_due=Min("due_at"))
                          .order_by("oldest_due")[:20]),
            **kwargs,
        )
