"""Defensive reading of raw mail: every helper here returns something and never raises.

Inbound mail is hostile or broken often enough (no headers, bad MIME, unknown charsets, huge
attachments) that the classifier only ever sees it through these helpers, which read bounded
amounts and fall back to replacement characters instead of failing.
"""

import codecs
import email
import email.header
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message

MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # parsed at most; the rest of a huge message is ignored
MAX_PART_CHARS = 128 * 1024  # decoded text read from one part
MAX_PARTS = 200  # MIME parts walked
MAX_TEXT_CHARS = 512 * 1024  # all readable text of one message

# Matches start only at the beginning of a run of address characters and never give back what
# they took (possessive), so a long run without '@' costs linear time, not quadratic.
ADDRESS_RE = re.compile(
    r"(?<![A-Za-z0-9!#$%&'*+/=?^_`{|}~.-])"
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]++(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]++)*+"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b"
)


def parse(raw: bytes) -> Message:
    """The message parsed leniently (compat32 keeps going where the modern policy raises)."""
    try:
        return email.message_from_bytes(raw[:MAX_MESSAGE_BYTES], policy=policy.compat32)
    except Exception:
        return email.message_from_string("")


def header(msg: Message, name: str) -> str:
    """All values of a header, decoded (RFC 2047) and joined, '' when absent or undecodable."""
    try:
        values = msg.get_all(name) or []
    except Exception:
        return ""
    out = []
    for value in values:
        out.append(decode_header_value(value))
    return " ".join(v for v in out if v)


def decode_header_value(value) -> str:
    try:
        if isinstance(value, email.header.Header):
            value = str(value)
        parts = email.header.decode_header(str(value))
        text = ""
        for chunk, charset in parts:
            if isinstance(chunk, bytes):
                text += to_text(chunk, charset)
            else:
                text += chunk
        return " ".join(text.split())
    except Exception:
        try:
            return " ".join(str(value).split())
        except Exception:
            return ""


def to_text(data: bytes, charset: str | None) -> str:
    """Bytes to text with the declared charset when Python knows it, else UTF-8, else Latin-1."""
    data = data[: MAX_PART_CHARS * 4]
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            codecs.lookup(candidate)
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError, TypeError):
            continue
    return data.decode("latin-1")


def content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    if isinstance(value, tuple):  # RFC 2231
        value = value[2]
    return str(value or "").lower()


def payload_bytes(part: Message) -> bytes:
    """The decoded body of a non-multipart part (bounded)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        try:
            raw = part.get_payload()
            if isinstance(raw, list):  # message/* parts: their first sub-message as text
                raw = "\n".join(_flatten(m) for m in raw[:1])
            data = str(raw).encode("utf-8", "replace")
        except Exception:
            data = b""
    return data[: MAX_PART_CHARS * 4]


def _flatten(sub) -> str:
    try:
        return sub.as_string()[:MAX_PART_CHARS]
    except Exception:
        try:
            return str(sub.get_payload())[:MAX_PART_CHARS]
        except Exception:
            return ""


def part_text(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text = to_text(payload_bytes(part), charset)[:MAX_PART_CHARS]
    if content_type(part) == "text/html":
        text = html_to_text(text)
    return text


_TAG_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]{0,2000}>", re.S | re.I)
_BR_RE = re.compile(r"<\s*(br|/p|/div|/tr|p|div|tr)\b[^>]*>", re.I)


def html_to_text(html: str) -> str:
    import html as html_lib

    text = _BR_RE.sub("\n", html)
    text = _TAG_RE.sub(" ", text)
    return html_lib.unescape(text)


@dataclass
class Walk:
    """What the classifier needs from the MIME tree, collected in one bounded pass."""

    types: list[str] = field(default_factory=list)  # every content type seen, in order
    texts: list[str] = field(default_factory=list)  # readable text outside attached messages
    plain_seen: bool = False
    delivery_status: list[str] = field(default_factory=list)  # message/delivery-status bodies
    feedback_reports: list[str] = field(default_factory=list)  # message/feedback-report bodies
    disposition_notifications: list[str] = field(default_factory=list)  # message/disposition-notification
    attached: list[str] = field(default_factory=list)  # attached original messages/headers, text
    # message/delivery-status bodies inside an attached message: a bounce that a gateway forwarded
    nested_delivery_status: list[str] = field(default_factory=list)
    json_parts: list[str] = field(default_factory=list)  # application/json and *.json parts
    other_parts: list[str] = field(default_factory=list)  # other text-like parts (e.g. X-ARF yaml)


def walk(msg: Message) -> Walk:
    out = Walk()
    _walk(msg, out, inside_attached=False, budget=[MAX_PARTS])
    # Prefer plain text; fall back to HTML only when a message has no text/plain part at all.
    return out


def _walk(part: Message, out: Walk, *, inside_attached: bool, budget: list[int]) -> None:
    if budget[0] <= 0:
        return
    budget[0] -= 1
    ctype = content_type(part)
    out.types.append(ctype)
    try:
        is_multi = part.is_multipart()
    except Exception:
        is_multi = False
    if ctype in ("message/rfc822", "message/rfc822-headers", "text/rfc822-headers",
                 "message/global", "message/global-headers", "message/partial"):
        out.attached.append(_attached_text(part))
        if is_multi:  # look inside for nested reports only
            for sub in _subparts(part):
                _walk(sub, out, inside_attached=True, budget=budget)
        return
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        text = _dsn_text(part)
        if inside_attached:
            out.attached.append(text)
            out.nested_delivery_status.append(text)
        else:
            out.delivery_status.append(text)
        return
    if ctype == "message/feedback-report":
        out.feedback_reports.append(_dsn_text(part))
        return
    if ctype == "message/disposition-notification" and not inside_attached:
        out.disposition_notifications.append(_dsn_text(part))
        return
    if is_multi:
        alternatives = _subparts(part)
        if ctype == "multipart/alternative":
            plain = [p for p in alternatives if content_type(p) == "text/plain"]
            alternatives = plain[:1] or alternatives
        for sub in alternatives:
            _walk(sub, out, inside_attached=inside_attached, budget=budget)
        return
    filename = ""
    try:
        filename = (part.get_filename() or "").lower()
    except Exception:
        filename = ""
    if ctype == "application/json" or filename.endswith(".json"):
        out.json_parts.append(part_text(part))
        return
    if ctype.startswith("multipart/") and not inside_attached:
        # A multipart whose boundary was lost (e.g. "boundary=" on a line of its own) arrives as
        # one string: its text, part headers and all, is still the message's text.
        out.texts.append(part_text(part))
        return
    if ctype in ("text/plain", "text/html") and not inside_attached:
        disposition = str(part.get("Content-Disposition", "")).lower()
        if ctype == "text/html" and out.plain_seen:
            return
        text = part_text(part)
        if disposition.startswith("attachment") or filename:
            out.other_parts.append(text)
        else:
            out.plain_seen = out.plain_seen or ctype == "text/plain"
            out.texts.append(text)
        return
    if inside_attached:
        return
    if ctype.startswith("text/") or ctype in ("application/x-yaml", "application/yaml"):
        out.other_parts.append(part_text(part))


def _subparts(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:
        return []
    if not isinstance(payload, list):
        return []
    return [p for p in payload if isinstance(p, Message)]


def _attached_text(part: Message) -> str:
    try:
        payload = part.get_payload()
    except Exception:
        return ""
    if isinstance(payload, list):
        return "\n".join(_flatten(m) for m in payload[:2])[:MAX_PART_CHARS]
    return part_text(part)


def _dsn_text(part: Message) -> str:
    """message/delivery-status: the email package parses it into header blocks; rebuild the text."""
    try:
        payload = part.get_payload()
    except Exception:
        payload = None
    if isinstance(payload, list):
        blocks = []
        for block in payload[:500]:
            try:
                blocks.append("\n".join(f"{k}: {v}" for k, v in block.items()))
            except Exception:  # noqa: S112 - skip an unreadable block, keep the rest
                continue
        return "\n\n".join(blocks)[:MAX_PART_CHARS]
    return part_text(part)


# Exchange and X.400 gateways write a recipient as "dda:SMTP=addr" or "SMTP:addr"; '=' is legal in
# a local part, so the prefix would otherwise stick to the address.
_TYPE_PREFIX_RE = re.compile(r"^(?:smtp|rfc-?822|internet)=", re.I)


def clean_address(addr: str) -> str:
    """An address as found in text, lower-cased, without stray dots, quotes or an SMTP= prefix."""
    return _TYPE_PREFIX_RE.sub("", addr.strip(".'")).lower()


def addresses(text: str) -> list[str]:
    """Mail addresses in text, lower-cased, in order, without duplicates."""
    seen: list[str] = []
    for match in ADDRESS_RE.finditer(text or ""):
        addr = clean_address(match.group(0))
        if addr not in seen:
            seen.append(addr)
    return seen
