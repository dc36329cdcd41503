from django.contrib import admin

from .models import AbuseAddress, CatchAllMailbox, Lookup, Network, Organisation


class AbuseAddressInline(admin.TabularInline):
    model = AbuseAddress
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "handle", "registry", "reply_window_hours", "do_not_contact"]
    list_filter = ["registry", "do_not_contact", "low_confidence"]
    search_fields = ["name", "handle", "addresses__email"]
    inlines = [AbuseAddressInline]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["handle", "name", "start", "end", "type", "country", "registry", "organisation",
                    "expires_at"]
    list_filter = ["registry", "country"]
    search_fields = ["handle", "name", "start"]
    readonly_fields = ["start_key", "end_key"]


@admin.register(AbuseAddress)
class AbuseAddressAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "source", "role", "registry", "bounce_permanent"]
    list_filter = ["source", "role", "bounce_permanent"]
    search_fields = ["email", "organisation__name"]


@admin.register(CatchAllMailbox)
class CatchAllMailboxAdmin(admin.ModelAdmin):
    """The do-not-contact list of registry catch-all mailboxes (seeded, editable here)."""

    list_display = ["email", "reason"]
    search_fields = ["email", "reason"]


@admin.register(Lookup)
class LookupAdmin(admin.ModelAdmin):
    list_display = ["ip", "network", "error", "looked_up_at", "expires_at"]
    search_fields = ["ip", "error"]
    raw_id_fields = ["network"]
