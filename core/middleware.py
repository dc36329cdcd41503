import zoneinfo

from django.utils import timezone

from .models import Profile


class UserTimezoneMiddleware:
    """Activate the signed-in user's zone, so forms read and templates show local times."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(Profile.zone_for(request.user)))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
