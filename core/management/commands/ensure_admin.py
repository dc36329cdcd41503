"""Create the first admin account once; later runs leave existing accounts alone."""

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from core.models import Role
from core.roles import set_role


class Command(BaseCommand):
    help = ("Create the first admin from ABUSEDESK_ADMIN_EMAIL / ABUSEDESK_ADMIN_PASSWORD (or a "
            "generated password, printed once) unless an admin already exists.")

    def add_arguments(self, parser):
        parser.add_argument("--email", default=None)
        parser.add_argument("--password", default=None)

    def handle(self, *args, email=None, password=None, **options):
        import os

        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin account exists already; nothing to do.")
            return
        email = email or os.environ.get("ABUSEDESK_ADMIN_EMAIL") or "admin@localhost"
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"ABUSEDESK_ADMIN_EMAIL is not an email address: {email!r}") from exc
        generated = not (password or os.environ.get("ABUSEDESK_ADMIN_PASSWORD"))
        password = password or os.environ.get("ABUSEDESK_ADMIN_PASSWORD") or secrets.token_urlsafe(15)
        user = User.objects.create_superuser(username=email, email=email, password=password)
        set_role(user, Role.ADMIN)
        self.stdout.write(self.style.SUCCESS(f"Created admin account {email}."))
        if generated:
            self.stdout.write(self.style.WARNING(
                f"Its generated password is: {password}\n"
                "It is shown this once only: note it now and change it after logging in."
            ))
