"""View mixins every app shares."""

from django.contrib.auth.mixins import PermissionRequiredMixin


class Perm(PermissionRequiredMixin):
    """Signed-in users without the permission get 403 (anonymous ones never get this far: the
    login middleware sends them to the login page first)."""

    raise_exception = True
