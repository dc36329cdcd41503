"""Roles are Django groups with model permissions; this module is their single definition.

- viewer: reads everything (incidents, evidence, contacts, reports), changes nothing;
- responder: viewer, plus creates and edits incidents, uploads evidence, excludes offenders,
  edits contacts (overrides, manual addresses, "Refresh from RDAP"), prepares, edits and sends
  reports;
- admin: every permission, users and report templates included, and the Django admin site.
"""

from django.contrib.auth.models import Group, Permission

from .models import Role

_READ = [
    "incidents.view_incident", "incidents.view_evidence", "incidents.view_offender",
    "incidents.view_event", "contacts.view_network", "contacts.view_organisation",
    "contacts.view_abuseaddress", "reports.view_report", "reports.view_message",
    "reports.view_reporttemplate",
]
_RESPOND = [
    "incidents.add_incident", "incidents.change_incident", "incidents.add_evidence",
    "incidents.change_evidence", "incidents.change_offender", "contacts.change_organisation",
    "contacts.add_abuseaddress", "contacts.change_abuseaddress", "contacts.delete_abuseaddress",
    "reports.add_report", "reports.change_report",
]
ROLE_PERMISSIONS: dict[str, list[str] | None] = {
    Role.VIEWER: _READ,
    Role.RESPONDER: _READ + _RESPOND,
    Role.ADMIN: None,  # all permissions
}


def sync_roles(**kwargs) -> None:
    """Create the role groups and (re)set their permissions. Idempotent.

    Runs after every app's post_migrate, since each app's permissions appear only then.
    """
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        if codenames is None:
            perms = Permission.objects.all()
        else:
            perms = [
                perm
                for app, code in (name.split(".") for name in codenames)
                for perm in Permission.objects.filter(content_type__app_label=app, codename=code)
            ]
        group.permissions.set(perms)


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {Role.ADMIN.value}
    cached = getattr(user, "_abusedesk_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._abusedesk_roles = cached
    return cached


def set_role(user, role: str) -> None:
    """Give a user exactly one role; admins also reach the Django admin site."""
    user.groups.set([Group.objects.get(name=role)])
    user.is_staff = role == Role.ADMIN
    user.save(update_fields=["is_staff"])
    user._abusedesk_roles = None
