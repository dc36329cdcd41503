from django.contrib import admin

from .models import Event, Evidence, Incident, Offender


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "category", "severity", "status", "owner", "detected_at"]
    list_filter = ["status", "category", "severity"]
    search_fields = ["reference", "title", "description"]
    readonly_fields = ["reference", "created_at", "updated_at"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    """Stored files and their hashes are read-only: evidence is never modified."""

    list_display = ["original_name", "incident", "size", "sha256", "uploaded_by", "uploaded_at",
                    "state"]
    list_filter = ["state", "detected_format"]
    search_fields = ["original_name", "sha256", "incident__reference"]
    readonly_fields = ["incident", "file", "original_name", "size", "sha256", "uploaded_by",
                       "uploaded_at"]

    def has_add_permission(self, request):
        return False  # uploads go through the incident page, which hashes while streaming

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Offender)
class OffenderAdmin(admin.ModelAdmin):
    list_display = ["source", "incident", "count", "first_seen", "last_seen", "excluded_reason",
                    "manual_exclusion"]
    search_fields = ["source", "incident__reference"]
    list_filter = ["incident__category"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The audit trail can be read here, never edited or deleted."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["summary", "object_id", "incident__reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
