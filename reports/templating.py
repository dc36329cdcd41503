"""Report text from templates an admin edits, rendered in a sandbox.

A template sees only the placeholders listed in ``PLACEHOLDERS``: strings, numbers, booleans and
lists of plain records (dicts), built by ``reports.composing`` from the models. It never sees a
model, a setting or the database, so there is nothing beyond the placeholders to reach.

Jinja2's ``ImmutableSandboxedEnvironment`` refuses attribute walks into Python internals
(``__class__``, ``__globals__``, ``mro``...) and calls of unsafe methods or of anything that
mutates a value; the global helpers Jinja normally offers (``range``, ``lipsum``, ``cycler``,
``joiner``, ``namespace``, ``dict``) are removed, undefined names are errors (a misspelt placeholder
is caught on the edit page, not at send time), and the output is capped.
"""

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_OUTPUT_CHARS = 200_000
MAX_TEMPLATE_CHARS = 50_000


class TemplateProblem(ValueError):
    """A template that cannot be rendered, in words for the person editing it."""


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True, auto_reload=False, cache_size=64)
    env.globals.clear()
    return env


_ENV = _environment()

# Every placeholder a template may use, with what it holds (shown on the edit page).
PLACEHOLDERS: dict[str, str] = {
    "contact.name": "The abuse desk's organisation name",
    "contact.handle": "Its registry handle",
    "contact.emails": "The addresses this report goes to (list)",
    "contact.networks": "Its networks the offenders are in, as CIDRs (list)",
    "reference": "Our reference, e.g. ABD-2026-0042",
    "incident.reference": "Our reference of the incident",
    "incident.title": "The incident's title",
    "incident.category": "Category, as a word (Login attack, Port scan, ...)",
    "incident.description": "The incident's description",
    "incidents": "In a digest: every incident reported (list of incident records, each with its "
                 "own offenders); otherwise the one incident",
    "offenders": "The offending hosts in this contact's networks (list): address, first_seen, "
                 "last_seen, first_seen_utc, last_seen_utc, count, rate_per_minute, ports, targets, "
                 "kinds, signatures",
    "offender_count": "How many offending hosts",
    "attempts": "Attempts (log lines or packets) counted, all hosts together",
    "first_seen": "First attempt, in our time zone", "first_seen_utc": "First attempt, in UTC",
    "last_seen": "Last attempt, in our time zone", "last_seen_utc": "Last attempt, in UTC",
    "rate_per_minute": "Attempts per minute between first and last attempt (all hosts)",
    "time_zone": "Our time zone's name, as the times above are written in it",
    "activity": "What was seen, in words (failed login, blocked connection, ...)",
    "ports": "Our ports that were targeted, as text",
    "action_taken": "What we did about it (from the Prepare form)",
    "still_ongoing": "True when attempts were seen in the last 24 hours",
    "attachments": "Files attached (list): name, size, sha256, description",
    "excerpt_lines": "The first lines of the evidence excerpt, redacted (list of text)",
    "excerpt_trimmed": "True when the excerpt was cut to the size cap",
    "redacted": "True when internal addresses or host names were redacted",
    "reporter.name": "Our name", "reporter.organisation": "Our organisation",
    "reporter.email": "Our email", "reporter.phone": "Our phone",
    "follow_up_hours": "Hours until we follow up (the contact's reply window)",
    "follow_up_at": "When we will follow up, in our time zone",
    "follow_up_at_utc": "When we will follow up, in UTC",
}


def render(source: str, context: dict) -> str:
    """Render ``source`` with ``context`` (plain values only). Raises TemplateProblem."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateProblem(f"The template is longer than {MAX_TEMPLATE_CHARS} characters.")
    try:
        template = _ENV.from_string(source)
        pieces, size = [], 0
        for piece in template.generate(context):
            size += len(piece)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateProblem(f"The text grows beyond {MAX_OUTPUT_CHARS} characters; "
                                      "check the template's loops.")
            pieces.append(piece)
    except SecurityError as exc:
        raise TemplateProblem(f"Not allowed in a template: {exc}") from exc
    except TemplateError as exc:
        where = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise TemplateProblem(f"{type(exc).__name__}{where}: {exc.message or exc}") from exc
    except (TypeError, ValueError, ArithmeticError, LookupError, OverflowError, RecursionError) as exc:
        raise TemplateProblem(f"The template fails on sample values: {type(exc).__name__}: {exc}") from exc
    return "".join(pieces)


def render_subject(source: str, context: dict) -> str:
    """A subject is one line: the rendered text with line breaks folded into spaces."""
    return " ".join(render(source, context).split())[:250]


def sample_context() -> dict:
    """Values of every placeholder, as a realistic report would have them (for checking templates)."""
    offender = {
        "address": "198.51.100.23", "first_seen": "2026-03-01 09:12 CET (UTC+01:00, Europe/Berlin)",
        "last_seen": "2026-03-01 11:40 CET (UTC+01:00, Europe/Berlin)",
        "first_seen_utc": "2026-03-01 08:12 UTC", "last_seen_utc": "2026-03-01 10:40 UTC",
        "count": 1423, "rate_per_minute": 9.6, "ports": "22/tcp", "targets": "203.0.113.5",
        "kinds": "failed login", "signatures": "sshd",
    }
    incident = {"reference": "ABD-2026-0001", "title": "SSH brute force", "category": "Login attack",
                "description": "", "offenders": [offender], "offender_count": 1, "attempts": 1423,
                "first_seen": offender["first_seen"], "last_seen": offender["last_seen"],
                "first_seen_utc": offender["first_seen_utc"], "last_seen_utc": offender["last_seen_utc"]}
    return {
        "contact": {"name": "Example Hosting", "handle": "EXH-1", "emails": ["abuse@example.net"],
                    "networks": ["198.51.100.0/24"]},
        "reference": "ABD-2026-0001", "incident": incident, "incidents": [incident],
        "offenders": [offender], "offender_count": 1, "attempts": 1423,
        "first_seen": offender["first_seen"], "first_seen_utc": offender["first_seen_utc"],
        "last_seen": offender["last_seen"], "last_seen_utc": offender["last_seen_utc"],
        "rate_per_minute": 9.6, "time_zone": "Europe/Berlin", "activity": "failed login",
        "ports": "22/tcp", "action_taken": "The address is blocked at our firewall.",
        "still_ongoing": True,
        "attachments": [{"name": "ABD-2026-0001-evidence.zip", "size": 2048,
                         "sha256": "0" * 64, "description": "Evidence excerpt"}],
        "excerpt_lines": ["Mar  1 09:12:01 internal-host-1 sshd[812]: Failed password for root from "
                          "198.51.100.23 port 50122 ssh2"],
        "excerpt_trimmed": False, "redacted": True,
        "reporter": {"name": "Jane Admin", "organisation": "Example Org", "email": "abuse@example.org",
                     "phone": "+49 30 1234567"},
        "follow_up_hours": 48, "follow_up_at": "2026-03-03 12:00 CET (UTC+01:00, Europe/Berlin)",
        "follow_up_at_utc": "2026-03-03 11:00 UTC",
    }


def check(subject: str, body: str) -> list[str]:
    """Problems of a template, found by rendering it with sample values; empty when it works."""
    problems = []
    context = sample_context()
    for what, source in (("Subject", subject), ("Text", body)):
        try:
            render(source, context)
        except TemplateProblem as exc:
            problems.append(f"{what}: {exc}")
    return problems
