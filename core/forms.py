from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model, password_validation

from incidents.forms import ZoneField

from .models import Profile, Role


class ProfileForm(forms.ModelForm):
    time_zone = ZoneField(help_text="Times are entered and shown in this zone, e.g. Europe/Berlin")

    class Meta:
        model = Profile
        fields = ["time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save"))


class UserForm(forms.ModelForm):
    """Create or edit a user and their one role. A password is required only on creation."""

    role = forms.ChoiceField(choices=Role.choices)
    password = forms.CharField(widget=forms.PasswordInput, required=False,
                               help_text="Leave empty to keep the current password")

    class Meta:
        model = get_user_model()
        fields = ["username", "email", "first_name", "last_name", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["password"].required = True
            self.fields["password"].help_text = password_validation.password_validators_help_text_html()
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save"))

    def clean_password(self):
        password = self.cleaned_data["password"]
        if password:
            password_validation.validate_password(password, self.instance)
        return password
