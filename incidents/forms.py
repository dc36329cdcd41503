from datetime import UTC
from zoneinfo import ZoneInfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.timezones import available_zones, validate_zone

from .models import Incident, IncidentStatus

# Seconds are kept: a detection time taken from a log must survive an edit unchanged.
LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1},
                                     format="%Y-%m-%dT%H:%M:%S")


class ZoneField(forms.CharField):
    """An IANA zone typed or picked from a list; an unknown name is a clear error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("validators", [validate_zone])
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": "zone-names",
                                                           "autocomplete": "off"}))
        super().__init__(**kwargs)


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["title", "category", "severity", "status", "detected_at", "owner", "description"]
        widgets = {"detected_at": LOCAL_DATETIME, "description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"detected_at": "In your time zone"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_users()
        self.fields["detected_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
                                                    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
        if not self.instance.pk:
            self.fields["status"].initial = IncidentStatus.OPEN
            self.fields["owner"].required = False
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "title",
            Row(Column("category"), Column("severity"), Column("status")),
            Row(Column("detected_at"), Column("owner")),
            "description",
            Submit("save", "Save"),
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class EvidenceUploadForm(forms.Form):
    files = MultipleFileField(required=False, allow_empty_file=True)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    time_zone = ZoneField(initial="UTC", help_text="Zone of timestamps in the files that carry none")
    ends_at = forms.DateTimeField(
        required=False, label="Files end at",
        widget=LOCAL_DATETIME,
        help_text="In the files' zone; lines without a year are placed before it (default: now)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_names = available_zones()

    def clean(self):
        data = super().clean()
        ends_at, zone = data.get("ends_at"), data.get("time_zone")
        if ends_at is not None and zone:
            # entered as wall-clock time of the files' zone, not of the admin's
            naive = timezone.make_naive(ends_at, timezone.get_current_timezone())
            data["ends_at"] = naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
        return data
