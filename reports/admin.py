from django.contrib import admin

from .models import Message, Report


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["at", "direction", "kind", "subject", "from_address"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["incident", "organisation", "status", "sent_at", "due_at"]
    list_filter = ["status"]
    search_fields = ["incident__reference", "organisation__name", "message_id", "isp_ticket"]
    readonly_fields = ["message_id", "idempotency_key", "queued_at", "sent_at"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The mail archive: kept as it was sent or received."""

    list_display = ["at", "direction", "kind", "subject", "from_address", "report"]
    list_filter = ["direction", "kind"]
    search_fields = ["subject", "from_address", "message_id"]

    def has_change_permission(self, request, obj=None):
        return False
