import ipaddress

import django_filters
from django.db.models import Q

from .forms import active_users
from .models import Category, Incident, IncidentStatus
from .parsers.addresses import normalise


class IncidentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    owner = django_filters.ModelChoiceFilter(queryset=lambda request: active_users())
    # Dates are days in the user's zone: django-filter makes aware bounds in the active zone.
    detected = django_filters.DateFromToRangeFilter(
        field_name="detected_at", label="Detected between",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Incident
        fields = ["q", "status", "category", "owner", "detected"]

    def search(self, queryset, name, value):
        value = value.strip()
        match = (Q(reference__icontains=value) | Q(title__icontains=value)
                 | Q(description__icontains=value))
        if _looks_like_ip(value):
            match |= Q(offenders__source=normalise(value))
        return queryset.filter(match).distinct()


def _looks_like_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
