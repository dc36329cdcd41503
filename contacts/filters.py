import django_filters
from django.db.models import Q

from incidents.parsers.addresses import normalise

from .addresses import sort_key
from .models import Organisation


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    registry = django_filters.ChoiceFilter(choices=[(r, r) for r in
                                                    ("afrinic", "apnic", "arin", "lacnic", "ripencc")])
    do_not_contact = django_filters.BooleanFilter()
    low_confidence = django_filters.BooleanFilter(label="Low confidence")

    class Meta:
        model = Organisation
        fields = ["q", "registry", "do_not_contact", "low_confidence"]

    def search(self, queryset, name, value):
        value = value.strip()
        match = (Q(name__icontains=value) | Q(handle__icontains=value)
                 | Q(addresses__email__icontains=value) | Q(networks__handle__icontains=value)
                 | Q(networks__name__icontains=value))
        if address := normalise(value):
            key = sort_key(address)
            match |= Q(networks__start_key__lte=key, networks__end_key__gte=key)
        return queryset.filter(match).distinct()
