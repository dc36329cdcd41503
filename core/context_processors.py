from django.utils import timezone

from .roles import roles_of


def abusedesk(request):
    user = getattr(request, "user", None)
    return {
        "current_zone": timezone.get_current_timezone_name(),
        "user_roles": roles_of(user) if user is not None and user.is_authenticated else set(),
    }
