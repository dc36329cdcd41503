"""Bounces: who could not be reached, and whether the failure is only temporary.

Two readers. RFC 3464 delivery-status reports carry one block per recipient (Final-Recipient,
Action, Status); that is read first and trusted. Everything else is the free text that MTAs have
written for decades (Exim, qmail, Postfix, Sendmail, Exchange, Domino, GroupWise, Yahoo, AOL...):
there the recipients are the addresses standing where those MTAs put them (alone on a line, in
"<addr>:" or "addr... reason" lines, after "to:" or inside a reply code), and SMTP reply codes
(4xx/5xx), enhanced status codes (4.x.x/5.x.x) and wording tell temporary from permanent.
"""

import re
from dataclasses import dataclass, field

from replies.mime import ADDRESS_RE, addresses, clean_address

# Mailboxes that speak for a mail system, never a recipient that failed. (Not abuse@, noc@ or
# hostmaster@: those are exactly the addresses our reports go to.)
SYSTEM_LOCALPARTS = frozenset({
    "mailer-daemon", "postmaster", "mail-daemon", "maildaemon", "mailerdaemon", "mdaemon",
    "mail.delivery.system", "mailadm", "imss",
})


def _compile(pattern: str, flags: int = 0) -> re.Pattern:
    """re.compile, with @ADDR@ standing for a mail address."""
    return re.compile(pattern.replace("@ADDR@", ADDRESS_RE.pattern), flags)


MAX_RECIPIENTS = 100  # more than any real bounce names; bounds the work on hostile input
MAX_NOTICE_LINES = 2000


@dataclass
class BounceResult:
    recipients: list[str] = field(default_factory=list)
    temporary: bool = False
    is_dsn: bool = False  # an RFC 3464 report with at least one recipient block
    delivered_only: bool = False  # a DSN that reports only successes (delivered/relayed)


# --- RFC 3464 ---------------------------------------------------------------------------------

_FIELD_RE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)\s*:\s*(.*)$")
_STATUS_RE = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")


def _blocks(text: str) -> list[dict[str, str]]:
    blocks, current, last = [], {}, None
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, None
            continue
        if line[:1] in " \t" and last:
            current[last] += " " + line.strip()
            continue
        match = _FIELD_RE.match(line)
        if match:
            last = match.group(1).lower()
            current.setdefault(last, match.group(2).strip())
    if current:
        blocks.append(current)
    return blocks


def _address_field(value: str) -> str | None:
    value = value.split(";", 1)[1] if ";" in value else value
    found = addresses(value)
    return found[0] if found else None


def read_dsn(texts: list[str]) -> BounceResult:
    """Per-recipient blocks of RFC 3464 delivery-status texts."""
    failed: list[tuple[str, bool]] = []
    delivered = 0
    for text in texts:
        for block in _blocks(text):
            recipient_field = block.get("original-recipient") or block.get("final-recipient")
            if not recipient_field:
                continue
            # Original-Recipient is the address we wrote to; Final-Recipient may be a rewrite.
            addr = _address_field(recipient_field) or _address_field(
                block.get("final-recipient", ""))
            action = block.get("action", "").lower().split()[0] if block.get("action") else ""
            status = _STATUS_RE.search(block.get("status", ""))
            status_class = status.group(1) if status else ""
            if action in ("delivered", "relayed", "expanded") or (not action and status_class == "2"):
                delivered += 1
                continue
            temporary = action == "delayed" or (action != "failed" and status_class == "4")
            if not temporary and action != "failed" and status_class not in ("5", "4"):
                # No action and no usable status: judge by the diagnostic text.
                temporary = classify_wording(block.get("diagnostic-code", "")) == "temporary"
            if addr:
                failed.append((addr, temporary))
    result = BounceResult(is_dsn=bool(failed) or delivered > 0)
    result.recipients = _unique(a for a, _ in failed)
    result.temporary = bool(failed) and all(t for _, t in failed)
    result.delivered_only = delivered > 0 and not failed
    return result


# --- Free-text bounces ------------------------------------------------------------------------

# Where the notice ends and the returned message (or its headers) begins.
_ORIGINAL_START = _compile(
    r"^.{0,40}?(?:"
    # ... but not inside a sentence: "do not resend your original message.", Postfix's "You can
    # delete your own text from the attached returned message." (the recipients come after it)
    r"original message(?! to| was received| could not| has not| was not|\s*\.)|"
    r"message (?:text|header|headers|body) follows?|"
    r"(?:this|here) is a copy of|a copy of the (?:original )?message|copy of the first part|"
    r"below this line is a copy of the message|unsent message below|returned message(?!\s*\.)|"
    r"start of (?:the )?returned|message follows|first \d+ lines of|"
    r"(?:the )?(?:original )?message headers?(?: follows?)?\s*(?:-|:|$)|"
    r"the (?:text|body) of (?:the|your) message|headers of the original message|"
    r"undelivered message|your message reads|attached (?:is|below) (?:the|a copy)"
    r").*$"
    r"|^\s*>?\s*(?:Received|Return-Path|Message-I[Dd]|DKIM-Signature|X-Original-To|Delivered-To)\s*:",
    re.I | re.M,
)

# Phrases placed right before the list of failed recipients.
_INTRO_RE = _compile(
    r"(?:following (?:address(?:es|\(es\))?|recipients?(?:\(s\))?|destination addresses)|"
    r"(?:could|can)\s?not be (?:delivered|reached)|"
    r"did not reach the following|delivery (?:to the following recipients?(?:\(s\))? )?"
    r"(?:has )?failed|unable to deliver|undeliverable to|permanent(?:ly)? fatal errors|"
    r"fatal errors?|failed recipient|recipients? failed|not be delivered to|"
    r"could not deliver|was not delivered|not delivered to|delivery problems?|"
    r"still not delivered|has not yet been delivered|not yet been delivered|delayed|"
    r"user unknown|unknown user|no such (?:user|mailbox|address)|invalid recipient|"
    r"errors? (?:occurred|was encountered)|"
    r"bad destination|address(?:es)? failed|"
    r"konnte nicht zugestellt|folgende(?:n)? empfänger|n'a pas pu être remis|"
    r"destinataires? suivants?|no se pudo entregar|destinatarios? siguientes?)[^\n]*$",
    re.I | re.M,
)

_LINE_ALONE_RE = _compile(
    r"^[\s>*-]*(?:(?:recipient|recipient address|original address|address|rcpt to|"
    r"original[- ]recipient|final[- ]recipient)"
    r"\s*:\s*)?(?:rfc822;\s*)?[<\"(]?(?P<addr>@ADDR@)[>\")]?\s*"
    r"(?::.*|\.{3}.*|\s+on\s+.*|\s*\(.*|\s+-+\s*.*|\s*<@ADDR@>\s*|,?\s*(?:user|mailbox|recipient|address|host|"
    r"unknown|no such|not|does|account|quota|over|this|because|the|delivery|message).*)?$",
    re.I,
)

# addr inside a complaint: "550 5.1.1 <addr>... User unknown", "RCPT TO:<addr>", "(addr) not listed".
_INLINE_PATTERNS = [
    _compile(r"\b[45]\d\d[\s-]+(?:[45]\.\d{1,3}\.\d{1,3}\s+)?[^\n<]{0,40}?<(?P<addr>@ADDR@)>", re.I),
    # "552 Quota violation for addr", "550 Mailbox unavailable: addr" (a reply code, then the address)
    _compile(r"^\s*[45]\d\d[\s-]+(?:[45]\.\d{1,3}\.\d{1,3}\s+)?[^\n<@]{0,60}?(?:\b(?:for|to)|:)\s+"
             r"(?P<addr>@ADDR@)", re.I | re.M),
    # Exchange and X.400 gateways: "c=US;a= ;p=ORG;o=Site;dda:SMTP=addr; on DATE"
    _compile(r"\bdda:SMTP=(?P<addr>[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24})",
             re.I),
    _compile(r"rcpt to:?\s*<?(?P<addr>@ADDR@)", re.I),
    _compile(r"(?:was|were|is) addressed(?: to)?,?\s*['\"<]?(?P<addr>@ADDR@)", re.I),
    _compile(r"<?(?P<addr>@ADDR@)>?\s*\.\.\.\s", re.I),
    _compile(r"\(\s*(?P<addr>@ADDR@)\s*\)\s+(?:not listed|is not|does not|unknown)",
               re.I),
    _compile(r"(?:message|mail|delivery)\s+to\s+<?(?P<addr>@ADDR@)>?\s+(?:was|has|could|failed|is|"
               r"cannot|can't|did|not|because|for)", re.I),
    _compile(r"(?:unable to deliver|could not deliver|undeliverable|not be delivered|"
               r"failed|undeliverable mail|delivery failure|user unknown|"
               r"mailbox (?:full|unavailable)|quota exceeded|exceeds? (?:allowed|quota)[^:]*)"
               r"(?:\s+(?:the )?(?:message|mail))?\s*(?:to|for)?\s*:?\s*<?(?P<addr>@ADDR@)>?", re.I),
    _compile(r"(?P<addr>@ADDR@)>?\s*[:,]?\s*(?:user unknown|unknown user|no such (?:user|mailbox)|"
               r"mailbox (?:unavailable|full|is full|not found)|does not exist|"
               r"not (?:found|known|listed)|invalid|unknown|"
               r"(?:account|user) (?:is )?(?:disabled|inactive|suspended|unknown)|"
               r"over quota|quota exceeded|nameserver error|host unknown)",
               re.I),
]

_PERMANENT_RE = _compile(
    r"\b5\d\d\b(?![.:]\d)|\b5\.\d{1,3}\.\d{1,3}\b|permanent|fatal|user unknown|unknown user|"
    r"no such (?:user|mailbox|address|domain)|does not exist|doesn't exist|not listed|"
    r"invalid (?:recipient|address|mailbox)|unrouteable|host (?:not found|unknown)|"
    r"domain (?:not found|unknown)|rejected|mailbox unavailable|not found|"
    r"giving up|gave up|could not be delivered|undeliverable|failed permanently|"
    r"account (?:is )?(?:disabled|inactive|suspended)|too many hops|loop detected",
    re.I,
)
_TEMPORARY_RE = _compile(
    r"\b4\d\d\b(?![.:]\d)|\b4\.\d{1,3}\.\d{1,3}\b|delay(?:ed)?\b|not yet (?:been )?delivered|"
    r"will (?:continue to )?(?:retry|try again|keep trying|be retried)|still (?:being )?retr|"
    r"retrying|deferred|temporar(?:y|ily)|try(?:ing)? again later|warning|no action is required|"
    r"retry (?:again )?(?:later|until)",
    re.I,
)


def notice_text(text: str) -> str:
    """The part of a bounce written by the mail system, before the returned original."""
    # A marker on the very first line is the notice's own header block: look past it.
    for match in _ORIGINAL_START.finditer(text):
        if match.start() > 40:
            return text[: match.start()]
    return text


def read_free_text(texts: list[str], *, exclude: set[str], domain: str = "",
                   originals: list[str] | None = None) -> list[str]:
    """Failed recipients named in the notice text of non-standard bounces."""
    found: list[str] = []
    for raw in texts:
        text = notice_text(raw)
        found += _strong(text)
    found = [a for a in _unique(found) if _keep(a, exclude)]
    if found:
        return found
    locals_ = [local for raw in texts for local in bare_locals(raw)]
    if locals_:
        return _unique(_qualify(local, texts + (originals or []), domain) for local in locals_)
    # Last resort: every address in the notice that is not the sender, us or a mail system.
    loose: list[str] = []
    for raw in texts:
        loose += [a for a in addresses(notice_text(raw)) if _keep(a, exclude)]
    return _unique(loose)[:20]


def strong_recipients(text: str) -> list[str]:
    """Addresses standing where mail systems name failed recipients (see _strong), in order."""
    return _unique(a for a in _strong(text) if _keep(a, set()))


def _strong(text: str) -> list[str]:
    found: list[str] = []
    lines = text.splitlines()[:MAX_NOTICE_LINES]
    for i, line in enumerate(lines):
        # Addresses alone on their line (Exim, Exchange, Gmail, Yahoo, AOL, GroupWise lists), or
        # opening a "<addr>: reason" line (qmail, Postfix), when a failure phrase stands before.
        match = _LINE_ALONE_RE.match(line)
        if match and _near_failure(lines, i):
            # Sendmail and Postfix name the address we wrote to as "(expanded from: <addr>)".
            expanded = _EXPANDED_RE.search(line + "\n" + (lines[i + 1] if i + 1 < len(lines) else ""))
            found.append(expanded.group("addr") if expanded else match.group("addr"))
    for pattern in _INLINE_PATTERNS:
        for match in pattern.finditer(text):
            found.append(match.group("addr"))
    return [clean_address(a) for a in found]


_EXPANDED_RE = _compile(r"expanded from:?\s*<?(?P<addr>@ADDR@)>?", re.I)
_BARE_LOCAL_RE = _compile(r"^\s+<?(?P<local>[A-Za-z0-9][A-Za-z0-9._+-]{0,63})>?\s*(?::|\s{2,}.*)?$")


def bare_locals(text: str) -> list[str]:
    """Local parts without a domain listed alone after a failure phrase (AOL, Yale's ph)."""
    out: list[str] = []
    lines = notice_text(text).splitlines()
    for i, line in enumerate(lines):
        match = _BARE_LOCAL_RE.match(line)
        if match and "@" not in line and _INTRO_RE.search("\n".join(lines[max(0, i - 3): i])):
            out.append(match.group("local").lower())
    return out


def _qualify(local: str, texts: list[str], domain: str) -> str:
    """A bare local part made whole: the returned headers' address with that local part if any
    (e.g. "for <local@host>" in a Received line), else the bouncing system's own domain."""
    for raw in texts:
        for addr in addresses(raw):
            if addr.split("@", 1)[0] == local:
                return addr
    return f"{local}@{domain}" if domain else local


def _near_failure(lines: list[str], i: int) -> bool:
    window = "\n".join(lines[max(0, i - 12): i + 1])
    return bool(_INTRO_RE.search(window) or _PERMANENT_RE.search(window)
                or _TEMPORARY_RE.search(window))


def _keep(addr: str, exclude: set[str]) -> bool:
    local = addr.split("@", 1)[0]
    return addr not in exclude and local not in SYSTEM_LOCALPARTS and len(addr) <= 254


def classify_wording(text: str) -> str:
    """'temporary' when the text only speaks of delays or 4xx codes, else 'permanent'."""
    if _PERMANENT_RE.search(text or ""):
        return "permanent"
    if _TEMPORARY_RE.search(text or ""):
        return "temporary"
    return "permanent"


def _unique(items) -> list[str]:
    return [item for item in dict.fromkeys(items) if item][:MAX_RECIPIENTS]
