"""The templates AbuseDesk ships: one per incident category, in English (seeded by a migration).

Short and to the point, as abuse desks prefer: who we are writing to, what was seen, when (our
zone and UTC), from which hosts, how often and since when, what we did, what is attached (with
SHA-256), what we ask, who we are, our reference and when we will follow up.
"""

import textwrap

SUBJECT = "Abuse from your network: {{ activity }} ({{ offender_count }} host{{ 's' if offender_count != 1 }})"

BODY = """Dear {{ contact.name }} abuse team,

{intro}

Offending host{{ 's' if offender_count != 1 }} in your network{{ ' (' ~ contact.networks|join(', ') ~ ')' if contact.networks }}:
{% for o in offenders %}
  {{ o.address }}: {{ o.count }} {unit}, {{ o.first_seen_utc }} to {{ o.last_seen_utc }}{{ ', %s per minute'|format(o.rate_per_minute) if o.rate_per_minute }}{{ ', port ' ~ o.ports if o.ports }}
{% endfor %}

When: {{ first_seen }} to {{ last_seen }}
      ({{ first_seen_utc }} to {{ last_seen_utc }})
What: {{ activity }}; {{ attempts }} {unit} in total{{ ', about %s per minute'|format(rate_per_minute) if rate_per_minute }}.
{% if still_ongoing %}
The activity is still going on.
{% endif %}
What we did: {{ action_taken }}
{% if incidents|length > 1 %}

This report covers our incidents {{ incidents|map(attribute='reference')|join(', ') }}.
{% endif %}
{% if excerpt_lines %}

From our logs{{ ' (our internal addresses and host names redacted)' if redacted }}:
{% for line in excerpt_lines %}
  {{ line }}
{% endfor %}
{% endif %}
{% if attachments %}

Attached{{ ' (the excerpt was cut to fit the size limit)' if excerpt_trimmed }}:
{% for a in attachments %}
  {{ a.name }}: {{ a.description }}, {{ a.size }} bytes, SHA-256 {{ a.sha256 }}
{% endfor %}
{% endif %}

Please investigate, stop this activity and tell us what was done, quoting our
reference {{ reference }}. We will follow up on {{ follow_up_at }}
({{ follow_up_at_utc }}) if we have not heard from you by then.

Regards,
{{ reporter.name }}
{% if reporter.organisation %}
{{ reporter.organisation }}
{% endif %}
{{ reporter.email }}{{ ', ' ~ reporter.phone if reporter.phone }}
Our reference: {{ reference }}
"""

# category: (template name, first paragraph, unit of the counts)
CATEGORIES = {
    "login_attack": ("Login attack", "we see repeated failed login attempts (brute force) against our "
                     "servers from hosts in your network.", "attempts"),
    "port_scan": ("Port scan", "hosts in your network are scanning the ports of our servers.",
                  "probes"),
    "ddos": ("DDoS", "we received a denial-of-service flood from hosts in your network.", "packets"),
    "vulnerability_scan": ("Vulnerability scan", "hosts in your network are scanning our servers "
                           "for vulnerabilities.", "requests"),
    "exploit": ("Exploit", "hosts in your network tried to exploit vulnerabilities of our servers.",
                "attempts"),
    "malware": ("Malware", "hosts in your network show the behaviour of malware (infected hosts "
                "contacting or attacking our servers).", "events"),
    "spam": ("Spam", "we received spam from hosts in your network.", "messages"),
    "other": ("Other abuse", "we see abusive traffic against our servers from hosts in your network.",
              "events"),
}


def default_templates() -> list[dict]:
    """The shipped templates as field values of ReportTemplate rows."""
    return [
        {"name": f"{label} (English)", "category": category, "language": "en",
         "subject": SUBJECT,
         "body": BODY.replace("{intro}", textwrap.fill(intro[0].upper() + intro[1:], 76)).replace("{unit}", unit)}
        for category, (label, intro, unit) in CATEGORIES.items()
    ]
