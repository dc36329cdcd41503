from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms


class TestEmailForm(forms.Form):
    recipient = forms.EmailField(help_text="Sent now, with the same settings as reports")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("send", "Send test email"))
