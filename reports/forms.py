from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from incidents.models import Category

from .models import ReportTemplate
from .templating import check


class TestEmailForm(forms.Form):
    recipient = forms.EmailField(help_text="Sent now, with the same settings as reports")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("send", "Send test email"))


class PrepareForm(forms.Form):
    """Options of "Prepare reports" on the incident page."""

    action_taken = forms.CharField(
        label="What we did", max_length=1000, required=False,
        initial="The address(es) are blocked at our firewall.",
        help_text="Said in every report, e.g. blocked at the firewall, still being attempted")
    digest = forms.BooleanField(
        label="Digest", required=False,
        help_text="Put this contact's other open incidents into the same report")


class ReportTextForm(forms.Form):
    subject = forms.CharField(max_length=250)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 24, "class": "mono"}),
                           label="Text", max_length=200_000, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save text"))

    def clean_subject(self):
        # one line: a line break in a subject could become a header of its own
        return " ".join(self.cleaned_data["subject"].split())


class ReportTemplateForm(forms.ModelForm):
    class Meta:
        model = ReportTemplate
        fields = ["name", "category", "language", "subject", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 30, "class": "mono"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].strip = False  # a template's last line break is part of the mail
        self.fields["category"] = forms.ChoiceField(
            choices=[("", "Any category"), *Category.choices], required=False,
            help_text="Incident category this text is for")
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save template"))

    def clean(self):
        cleaned = super().clean()
        subject, body = cleaned.get("subject"), cleaned.get("body")
        if subject is not None and body is not None:
            for problem in check(subject, body):
                self.add_error("body" if problem.startswith("Text") else "subject", problem)
        return cleaned
