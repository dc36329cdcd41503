from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import validate_email

from .models import Organisation


class OrganisationForm(forms.ModelForm):
    """An admin's or responder's overrides; RDAP never overwrites them."""

    manual_addresses = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line. Manual addresses take precedence over RDAP's and survive refreshes.")

    class Meta:
        model = Organisation
        fields = ["name", "reply_window_hours", "language", "wants_xarf", "do_not_contact",
                  "do_not_contact_reason", "phone", "auto_follow_up", "max_follow_ups", "auto_escalate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["manual_addresses"].initial = "\n".join(
                self.instance.addresses.filter(source="manual").values_list("email", flat=True))
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save"))

    def clean_manual_addresses(self) -> list[str]:
        emails = []
        for line in self.cleaned_data["manual_addresses"].replace(",", "\n").splitlines():
            email = line.strip()
            if email:
                validate_email(email)
                if email.lower() not in {e.lower() for e in emails}:
                    emails.append(email)
        return emails

    def clean(self):
        data = super().clean()
        if data.get("do_not_contact") and not (data.get("do_not_contact_reason") or "").strip():
            self.add_error("do_not_contact_reason", "Say why this organisation must not be contacted.")
        return data
