"""``manage.py lookup_contact IP [--refresh] --json``: the same look-up as the task, from the cache."""

import json

from django.core.management.base import BaseCommand, CommandError

from contacts import rdap
from contacts.lookup import NotLookedUp, Resolution, contact_resolve, network_parent_resolve
from contacts.ratelimit import Busy


class Command(BaseCommand):
    help = "Find the registry network and abuse contact of one address (RDAP, cached)."

    def add_arguments(self, parser):
        parser.add_argument("ip")
        parser.add_argument("--refresh", action="store_true", help="Ask RDAP even if cached")
        parser.add_argument("--parent", action="store_true",
                            help="Also look up the network above (the upstream provider)")
        parser.add_argument("--json", action="store_true", help="Print JSON")

    def handle(self, *args, ip, refresh, parent, json: bool, **options):
        try:
            resolution = contact_resolve(ip, refresh=refresh)
        except NotLookedUp as exc:
            message = f"{exc.address} must not be looked up: {exc.reason}"
            if json:
                self.stdout.write(_dumps({"ip": exc.address, "error": message, "excluded": exc.reason}))
            raise CommandError(message) from exc
        except (rdap.RdapError, Busy) as exc:
            message = f"look-up of {ip} failed: {exc}"
            if json:
                self.stdout.write(_dumps({"ip": ip, "error": message, "excluded": None}))
            raise CommandError(message) from exc
        data = resolution.as_json()
        if parent:
            try:
                above = network_parent_resolve(resolution.network)
            except (rdap.RdapError, Busy) as exc:
                raise CommandError(f"parent of {data['network']['handle']} not found: {exc}") from exc
            data["parent"] = Resolution(ip=data["ip"], network=above, source="rdap").as_json()["network"]
        if json:
            self.stdout.write(_dumps(data))
            return
        net = data["network"]
        self.stdout.write(f"{data['ip']}: {net['handle']} {net['name']} ({net['registry']}) "
                          f"{net['start']} - {net['end']} [{', '.join(net['cidrs'])}]")
        emails = data["abuse_emails"] or data["fallback_emails"]
        label = "abuse" if data["abuse_emails"] else "no abuse role; fallback (low confidence)"
        self.stdout.write(f"{label}: {', '.join(emails) or 'none'} (from {data['source']})")


def _dumps(data) -> str:
    return json.dumps(data, indent=2)
