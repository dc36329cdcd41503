from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Users, roles and health"

    def ready(self):
        from . import signals  # noqa: F401  (a worker's heartbeat on start)
        from .roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="core.sync_roles")
