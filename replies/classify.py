"""Classify one inbound mail: a person's reply, an auto-reply, a bounce, an abuse report, or unrelated.

`classify_message(raw_bytes)` is the single entry point, used by `manage.py classify_email` and by
reply filing. It is pure (no database, no network) and never raises: a message with no headers,
broken MIME, an unknown charset or a huge body still gets a classification.

The rules follow the standards first and common vendor habits second, in this order:
1. abuse reports: RFC 5965 ARF (`multipart/report; report-type=feedback-report`), X-ARF mail
   (`X-ARF`/`X-XARF` headers, X-ARF YAML parts) and XARF v3/v4 JSON (attached or bare);
2. challenge-response systems (they often dress up as a DSN, but a person must act on them);
3. bounces: RFC 3464 delivery-status reports, then the free-text bounces of MTAs that never
   learnt RFC 3464, recognised by who sends them (MAILER-DAEMON, postmaster, a null Return-Path)
   and by what they say;
4. auto-replies: RFC 3834 `Auto-Submitted`, vendor headers (X-Autoreply, X-Autorespond, ...),
   `Precedence`, out-of-office and ticket-acknowledgement subjects in several languages;
5. abuse reports in vendors' own wording, only when the mail answers nothing of ours;
6. a human reply (it answers something: Re:-style subject, In-Reply-To/References, quoted text,
   our reference) or else unrelated mail.
"""

import json
import re
from dataclasses import asdict, dataclass, field
from email.message import Message
from email.utils import getaddresses, parseaddr

from replies import bounces, mime

HUMAN_REPLY = "human_reply"
AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"
ABUSE_REPORT = "abuse_report"
UNRELATED = "unrelated"
KINDS = (HUMAN_REPLY, AUTO_REPLY, BOUNCE, ABUSE_REPORT, UNRELATED)

# Our own reference, as every report carries it in its subject (DESIGN.md, "Threading").
REFERENCE_RE = re.compile(r"\bABD-(\d{4})-(\d{4,8})\b", re.I)


@dataclass
class Classification:
    """What an inbound mail is; the JSON of `classify_email --json` is `as_json()`."""

    kind: str = UNRELATED
    bounced_recipients: list[str] = field(default_factory=list)
    temporary: bool = False
    isp_ticket: str | None = None
    report_reference: str | None = None

    def as_json(self) -> dict:
        return asdict(self)


def classify_message(raw: bytes | str) -> Classification:
    """Classify one raw RFC 5322 message (bytes as received). Never raises."""
    try:
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        return _classify(bytes(raw))
    except Exception:
        return Classification(kind=UNRELATED)


# --- signals ----------------------------------------------------------------------------------

_REPLY_PREFIX_RE = re.compile(
    r"^\s*(?:\[[^\]]{1,60}\]\s*)?(?:re|aw|sv|vs|antw|antwort|odp|ynt|res|rif|r|ref|rép|răsp|"
    r"vá|atb|svar|vast|odg|yanıt|απ|отв|回复|回覆|答复|返信|답장|tr|fw|fwd|wg|enc|doorst)"  # noqa: RUF001
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]",  # noqa: RUF001 - the full-width colon of CJK mail
    re.I,
)
_QUOTE_HEADER_RE = re.compile(
    r"^\s*(?:on\b.{0,200}\bwrote\s*:|le\b.{0,200}\ba écrit\s*:|am\b.{0,200}\bschrieb\b.{0,80}:|"
    r"el\b.{0,200}\bescribió\s*:|il\b.{0,200}\bha scritto\s*:|op\b.{0,200}\bschreef\b.{0,80}:|"
    r"em\b.{0,200}\bescreveu\s*:|den\b.{0,200}\bskrev\b.{0,80}:|.{0,200}\bwrote\s*:|"
    r"-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original|"
    r"messaggio originale|oorspronkelijk bericht|opprinnelig melding|ursprungligt meddelande|"
    r"wiadomość oryginalna|original-nachricht)\s*-{2,}|"
    r"(?:from|von|de|van|da|från|od)\s*:\s*.+\n\s*(?:sent|gesendet|envoyé|enviado|verzonden|"
    r"inviato|skickat|wysłano|date|datum)\s*:)",
    re.I | re.M,
)

_OOO_SUBJECT_RE = re.compile(
    r"out of (?:the )?office|\booo\b|automatic reply|auto[- ]?reply|auto[- ]?response|"
    r"automatic response|autoresponder|\bauto\s*:|vacation|on holiday|on leave|away from|"
    r"\baway until\b|\babsent\b|\babsence\b|abwesen|automatische antwort|"
    r"réponse automatique|respuesta automática|fuera de la oficina|risposta automatica|"
    r"fuori ufficio|automatisch antwoord|afwezig|autosvar|automatisk svar|fr[åa]nvaro|"
    r"ferie|poza biurem|automatyczna odpowiedź|resposta automática|ausente|"
    r"自动回复|自動回覆|自動応答|自動返信|不在|부재|"
    # the same words in more languages, with and without their diacritics (subjects often lose them)
    r"autom[aā]tisk[aā] atbilde|promb[uū]tne|automatinis atsakymas|automaatne vastus|"
    r"automaattinen vastaus|poissa toimistolta|automatick[aá] odpov[eě]ď|automaticka odpoved|"
    r"mimo kancel|nep[rř][ií]tomnost|automatikus v[aá]lasz|h[aá]zon k[ií]v[uü]l|"
    r"r[aă]spuns automat|automatski odgovor|odsutn|samodejni odgovor|odsoten|"
    r"automatyczna odpowiedz|автоматичен отговор|автоматический ответ|автоответ|"
    r"автоматична відповідь|нет на месте|в отпуске|αυτόματη απάντηση|εκτός γραφείου|"
    r"otomatik (?:yan[ıi]t|cevap)|ofis d[ıi][sş][ıi]nda|balasan otomatis|balas automatik|"  # noqa: RUF001 - Turkish dotless i
    r"tr[aả] l[oờ]i t[uự] đ[oộ]ng|מענה אוטומטי|رد تلقائي|frav[æa]r|ikke p[åa] kontoret|"
    r"fora do escrit[óo]rio|buiten kantoor|niet aanwezig|nicht im b[üu]ro|absent du bureau|"
    r"en cong[ée]|fuera de oficina|休假|不在办公室",
    re.I,
)
_ACK_SUBJECT_RE = re.compile(
    r"thank(?:s| you) for (?:your |the )?(?:e-?mail|message|mail|report|contacting|submission|"
    r"complaint|notification|request)|"
    r"\b(?:we )?(?:have )?received your (?:e-?mail|message|mail|report|complaint|request)|"
    r"\b(?:ticket|case|request|incident|issue)\b.{0,40}\b(?:created|opened|received|logged|"
    r"registered|acknowledged|assigned)\b|"
    r"\backnowledg(?:e?ment|ed|ing)\b|\breceipt\b|\bauto(?:matic)?[- ]?(?:ack|acknowledg)|"
    r"eingangsbest[äa]tigung|empfangsbest[äa]tigung|wir haben ihre .{0,30} erhalten|"
    r"accusé de réception|nous avons (?:bien )?reçu|acuse de recibo|hemos recibido|"
    r"conferma di ricezione|ontvangstbevestiging|bevestiging van ontvangst|"
    r"potwierdzenie|mottagningsbekräftelse|bekräftelse|confirmação de recebimento|"
    r"\[?auto\]|\bautomated (?:reply|response|message)\b",
    re.I,
)
_AUTO_BODY_RE = re.compile(
    r"\bthis is an? (?:automated|automatic|auto-generated|automatically generated)\b|"
    r"\bautomatically generated\b|\bauto-?generated\b|\bautomated (?:reply|response|message|notice|"
    r"acknowledg)|\bautomatic (?:reply|response|acknowledg)|"
    r"\bdo not reply (?:to )?this|\bplease do not (?:reply|respond)\b|"
    r"\b(?:out of|away from) (?:the |my )?office\b|\bi am (?:currently )?(?:out|away|absent|on "
    r"(?:vacation|holiday|leave))\b|\bi will be (?:out|away|back)\b|\blimited access to (?:my )?e-?mail|"
    r"\b(?:a )?(?:new )?(?:ticket|case)\b.{0,60}\b(?:has been|was|is) (?:created|opened|logged|"
    r"registered|assigned)|\byour (?:ticket|case|reference|request) (?:number|id)\b|"
    r"\b(?:we have|we've) received your (?:e-?mail|message|mail|report|complaint|request)|"
    r"\byour (?:e-?mail|message|report|complaint|request) has been (?:received|logged|registered)|"
    r"diese (?:nachricht|e-mail) wurde automatisch|automatisch (?:erstellt|generiert)|"
    r"ceci est une? (?:réponse|message) automatique|message (?:généré )?automatique|"
    r"mensaje automático|messaggio automatico|automatisch gegenereerd|"
    r"nicht im büro|bin (?:bis|ab|vom) .{0,40}(?:nicht erreichbar|abwesend|im urlaub|wieder da)|"
    r"je suis absente?\b|je serai de retour|estoy fuera de la oficina|sono fuori ufficio|"
    r"ik ben afwezig|jag är ledig|jestem poza biurem",
    re.I,
)
_CHALLENGE_RE = re.compile(
    r"sender not pre-?approved|guest list|waitlisted|waiting list|approved senders? list|"
    r"\b(?:verify|confirm|prove) (?:that )?you(?:'re| are) (?:a )?(?:human|real|person|not a)|"
    r"sender verification|challenge[- ]response|spam ?arrest|whitelist (?:request|me)|"
    r"add (?:yourself|you) to (?:my|the) (?:white ?list|guest list|approved)|"
    r"(?:message|e-?mail) (?:is |has been )?(?:being )?held (?:pending|until) (?:your )?"
    r"(?:verification|confirmation)|please (?:verify|confirm) (?:your (?:e-?mail|message|address)|"
    r"that you)|click (?:on )?the link below to (?:be added|deliver|verify|confirm|release)|"
    r"(?:have|get) your (?:e-?mail )?address added to|this (?:e-?mail )?account is protected by|"
    r"added to (?:the |my |our )?(?:recipient'?s? )?(?:allowed|approved|safe|trusted) (?:senders? )?list|"
    r"\b(?:server|sender|address) requires? (?:confirmation|verification)\b",
    re.I,
)
_CHALLENGE_HEADERS = ("x-boxbe-notice", "x-spamarrest-noauth", "x-spamarrest", "x-tmda-fingerprint",
                      "x-challenge", "x-choicemail-registration", "x-mailblocks")

_BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver|undelivered|not (?:been )?delivered|delivery (?:status notification|failure|"
    r"failed|problem|report|notification|has failed|delayed)|"
    r"delivery status|failure notice|failure delivery|returned mail|returning message|"
    r"mail delivery (?:failed|failure|problem|warning|subsystem|system)|mail system error|"
    r"delivery (?:was )?unsuccessful|non[- ]?delivery|\bndr\b|could not be delivered|"
    r"message not delivered|failed mail|delayed mail|warning: (?:message|could not)|"
    r"permanent delivery failure|nameserver error|user unknown|delivery failure|"
    r"unzustellbar|nicht zustellbar|non remis|non distribuable|no entregado|"
    r"non recapitabile|onbestelbaar|kan inte levereras|"
    r"mail could not be delivered|returned to sender|returning to sender|message delayed|"
    r"delivery warning|mail failed|无法|失败|退信|未能送达|配信|不達|エラー",
    re.I,
)
_BOUNCE_BODY_RE = re.compile(
    r"(?:could|can)\s?not be delivered|was not delivered|undeliverable|unable to deliver|"
    r"delivery (?:to the following recipients? )?(?:has )?failed|permanent(?:ly)? fatal errors|"
    r"following address(?:es|\(es\))? (?:failed|had)|did not reach the following|"
    r"message (?:could not|was not|has not (?:yet )?been) (?:be )?delivered|"
    r"user unknown|unknown user|no such (?:user|mailbox)|mailbox (?:unavailable|full|is full)|"
    r"delivery (?:has been )?delayed|not yet been delivered|will (?:continue to )?retry|"
    r"transcript of session|this is the mail system at|this message was created automatically "
    r"by mail delivery software|i'm afraid i wasn't able to deliver|"
    r"i'm sorry to (?:have to )?inform you|returned mail|"
    r"(?:recipient|address) rejected|host unknown|not listed in (?:the )?(?:domino )?directory|"
    r"\b5\.\d\.\d{1,3}\b|\b550\b|\b55[1-4]\b|delivery failure|failed recipient|"
    r"nameserver error|remote host said|smtp error|permanent error|quota|"
    r"konnte nicht zugestellt werden|nicht zustellbar|unzustellbar|empfänger unbekannt|"
    r"benutzer unbekannt|n'a pas pu être (?:remis|distribué)|destinataire inconnu|"
    r"no se (?:ha )?pudo entregar|destinatario desconocido|non è stato possibile consegnare|"
    r"kon niet worden afgeleverd|kunde inte levereras",
    re.I,
)
_SYSTEM_SENDER_RE = re.compile(
    r"^(?:mailer-daemon|mailer_daemon|maildaemon|mail-daemon|postmaster|post_master|mdaemon|"
    r"mail\.delivery\.system|mailadm|imss|smtp32|mail delivery)\b|mailer-daemon|"
    r"^microsoftexchange[0-9a-f]{16,}",
    re.I,
)
_SYSTEM_NAME_RE = re.compile(
    r"mail delivery (?:system|subsystem|service)|mail administrator|system administrator|"
    r"postmaster|mailer-daemon|mail system|delivery subsystem", re.I)

_XARF_HEADER_NAMES = ("x-arf", "x-xarf")
_XARF_YAML_RE = re.compile(r"^\s*(?:reported-from|report-type|category|source-type|schema-url)\s*:",
                           re.I | re.M)
_ABUSE_WORDS_RE = re.compile(
    r"\babuse\b|\bincident\b|\bcomplaint\b|\bbotnet\b|\bmalware\b|\bphishing\b|\bspam(?:ming)?\b|"
    r"\bscan(?:ning|s)?\b|\bbrute[- ]?force\b|\battack(?:s|ing)?\b|\binfect(?:ed|ion)\b|"
    r"\bcompromised\b|\bdrone\b|\bblock ?list\b|\bblacklist\b|\btakedown\b|\bharvest(?:ing)?\b|"
    r"\bddos\b|\bexploit\b|\bopen (?:resolver|relay|proxy)\b|\bmisuse\b|\bintrusion\b|"
    r"\bfeedback (?:loop|report)\b|offending|\bmalicious\b|\bhoneypot\b|\bban\b|"
    r"\bsafe ?browsing\b|\bunwanted software\b|\bcopyright infringement\b|\binfring(?:ing|ement)\b|"
    r"\bdmca\b|\bsinkhole[ds]?\b|\bspamvertis|\bamplification\b|"
    r"\bvulnerable (?:service|host|server|system|device)s?\b",
    re.I,
)
_REPORT_WORDS_RE = re.compile(r"\breport(?:s|ed)?\b|\bnotification\b|\bcomplaint\b|\bevents?\b|"
                              r"\balert\b|\bsource ip\b|\bon your network\b", re.I)
_IP_RE = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
                    r"(?![\d.])|\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b", re.I)

# ISP ticket numbers: "Ticket #12345", "[Case 0123456]", "SR-1-123", "[example.net #12345]" (RT),
# "Ticket#2026112510000123" (OTRS), "INC0012345" (ServiceNow).
_TICKET_PATTERNS = [
    re.compile(
        r"\b(?:ticket|case|incident|service request|request|issue|vorgang|ticketnummer|"
        r"vorgangsnummer|anfrage|dossier|caso|chamado|ärende|sak|zgłoszenie|referen(?:ce|z)|"
        r"tracking|abuse[- ]?id)(?:\s*(?:number|nr|no|num|id|#|nummer|número|n°|numéro|ref))?\.?"
        r"\s*(?:is|:|#|=)?\s*#?\s*\[?(?P<id>[A-Za-z]{0,8}[-_#]?\d[\w./-]{1,40})",
        re.I,
    ),
    re.compile(r"\[(?:[\w.-]{1,60}\s+)?#\s?(?P<id>\d{3,20})\]"),
    re.compile(r"\b(?P<id>(?:SR|INC|REQ|RITM|CS|TKT|TT|CASE|ABUSE)[-#]?\d{4,20}(?:-\d+)*)\b", re.I),
]
_NOT_TICKET_RE = re.compile(r"^\d{4}-\d{2}-\d{2}|^\d{1,2}[./]\d{1,2}[./]\d{2,4}$|^(?:\d+\.){3}\d+$|"
                            r"^\d{1,2}:\d{2}")


# --- the rules --------------------------------------------------------------------------------

def _classify(raw: bytes) -> Classification:
    stripped = raw.lstrip()[:16]
    if stripped.startswith((b"{", b"[")):
        bare = _bare_json(raw)
        if bare is not None:
            return Classification(kind=ABUSE_REPORT if _is_xarf_json(bare) else UNRELATED)
    msg = mime.parse(raw)
    parts = mime.walk(msg)
    subject = mime.header(msg, "Subject")
    text = "\n".join(parts.texts)[: mime.MAX_TEXT_CHARS]
    fresh = _unquoted(text)
    result = Classification(report_reference=_reference(msg, subject, text, parts))

    if _is_abuse_report(msg, parts):
        result.kind = ABUSE_REPORT
        return result

    if _is_challenge(msg, fresh):
        result.kind = AUTO_REPLY
        return result

    rejected = _mdn_rejection(parts)
    if rejected is not None:
        result.kind = BOUNCE
        result.bounced_recipients = rejected
        return result
    if "message/disposition-notification" in parts.types or \
            mime.param(msg, "report-type") == "disposition-notification":
        result.kind = AUTO_REPLY  # a read receipt (RFC 8098): automatic, and nothing failed
        return result

    bounce = _bounce(msg, subject, parts)
    if bounce is not None:
        if bounce.delivered_only:  # a success notice: an automatic answer, nothing failed
            result.kind = AUTO_REPLY
            return result
        result.kind = BOUNCE
        result.bounced_recipients = bounce.recipients
        result.temporary = bounce.temporary
        return result

    responding = _is_response(msg, subject, text, result.report_reference)
    ticket = _ticket(subject, fresh)
    if _is_auto_reply(msg, subject, fresh, responding=responding, ticket=ticket):
        result.kind = AUTO_REPLY
        result.isp_ticket = ticket
        return result

    if not responding and _looks_like_abuse_report(msg, subject, text, parts):
        result.kind = ABUSE_REPORT
        return result

    if responding:
        result.kind = HUMAN_REPLY
        result.isp_ticket = ticket
        return result
    result.kind = UNRELATED
    return result


def _bare_json(raw: bytes):
    try:
        return json.loads(raw[: mime.MAX_MESSAGE_BYTES].decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None


def _is_xarf_json(data) -> bool:
    """XARF v4 (`xarf_version`/`class`+`type`) or v3 (`Version`, `ReporterInfo`, `Report`) JSON."""
    if not isinstance(data, dict):
        return False
    keys = {str(k).lower() for k in data}
    if "xarf_version" in keys:
        return True
    if {"class", "type"} <= keys and keys & {"reporter", "source_identifier", "sender"}:
        return True
    if "reporterinfo" in keys and "report" in keys:
        return True
    return "version" in keys and "report" in keys


def _is_abuse_report(msg: Message, parts: mime.Walk) -> bool:
    report_type = mime.param(msg, "report-type")
    if report_type == "feedback-report" or parts.feedback_reports:
        return True
    for name in _XARF_HEADER_NAMES:  # X-ARF: YES (0.1/0.2), X-XARF: PLAIN/SECURE/BULK
        if mime.header(msg, name).strip().lower() not in ("", "no", "false", "0"):
            return True
    if mime.header(msg, "X-Apple-Unsubscribe").strip().lower() == "true":
        return True  # Apple Mail's unsubscribe request: an opt-out complaint
    for body in parts.other_parts:
        if len(_XARF_YAML_RE.findall(body[:4096])) >= 3 or "x-arf.org/schema" in body[:4096].lower():
            return True
    for body in parts.json_parts:
        try:
            if _is_xarf_json(json.loads(body)):
                return True
        except (ValueError, RecursionError):
            continue
    return False


def _is_challenge(msg: Message, fresh: str) -> bool:
    if any(mime.header(msg, name) for name in _CHALLENGE_HEADERS):
        return True
    return bool(_CHALLENGE_RE.search(bounces.notice_text(fresh)[:20000]))


def _sender(msg: Message) -> tuple[str, str]:
    name, addr = parseaddr(mime.header(msg, "From"))
    return name, addr.lower()


def _null_return_path(msg: Message) -> bool:
    value = mime.header(msg, "Return-Path").strip()
    return (value in ("<>", "") and msg.get("Return-Path") is not None) or value.replace(" ", "") == "<>"


def _from_mail_system(msg: Message) -> bool:
    name, addr = _sender(msg)
    local = addr.split("@", 1)[0]
    if _SYSTEM_SENDER_RE.search(local) or _SYSTEM_NAME_RE.search(name or ""):
        return True
    raw_from = mime.header(msg, "From")
    if _SYSTEM_SENDER_RE.search(raw_from.strip(" <\"")) or _SYSTEM_NAME_RE.search(raw_from):
        return True
    return _null_return_path(msg) or "failure" in mime.header(msg, "Auto-Submitted").lower()


def _sender_domain(msg: Message) -> str:
    domain = _sender(msg)[1].rpartition("@")[2]
    labels = domain.split(".")
    return ".".join(labels[-2:]) if len(labels) > 2 else domain


def _own_addresses(msg: Message) -> set[str]:
    """Addresses that are the bounce's own sender and addressee, never a failed recipient."""
    found: set[str] = set()
    for name in ("From", "To", "Cc", "Reply-To", "Sender", "Return-Path", "Delivered-To",
                 "X-Original-To", "Envelope-To", "Errors-To", "X-Loop"):
        try:
            pairs = getaddresses([mime.header(msg, name)])
        except Exception:  # noqa: S112 - an unparsable header is no address
            continue
        found |= {a.lower() for _, a in pairs if "@" in a}
    return found


def _bounce(msg: Message, subject: str, parts: mime.Walk) -> bounces.BounceResult | None:
    """A bounce's recipients, or None when the message is not a bounce."""
    dsn_texts = list(parts.delivery_status)
    report_type = mime.param(msg, "report-type")
    if not dsn_texts:
        # Delivery-status fields written into a text part (old or broken MIME).
        dsn_texts = [t for t in parts.texts + parts.other_parts
                     if re.search(r"^(?:final|original)-recipient\s*:", t, re.I | re.M)
                     and re.search(r"^(?:action|status)\s*:", t, re.I | re.M)]
    dsn = bounces.read_dsn(dsn_texts) if dsn_texts else bounces.BounceResult()
    if dsn.delivered_only:
        return dsn
    notice = "\n".join(bounces.notice_text(_unquoted(t)) for t in parts.texts)
    system = _from_mail_system(msg)
    daemon = "mailer-daemon" in _sender(msg)[1] or "mailer-daemon" in mime.header(msg, "From").lower()
    bounce_subject = bool(_BOUNCE_SUBJECT_RE.search(subject))
    looks_bounce = bounce_subject or daemon or (
        system and (bool(_BOUNCE_BODY_RE.search(notice[:40000])) or bool(parts.attached)))
    if not dsn.recipients and looks_bounce and parts.nested_delivery_status:
        dsn = bounces.read_dsn(parts.nested_delivery_status)  # a gateway forwarded the real bounce
    if not (dsn.recipients or report_type == "delivery-status" or looks_bounce):
        return None
    if not (dsn.recipients or report_type == "delivery-status" or system
            or _BOUNCE_BODY_RE.search(notice[:40000])):
        return None  # a bounce-like subject alone (e.g. someone writing about a bounce)
    exclude = _own_addresses(msg)
    machine = _machine_notice(notice, exclude)
    structural = bool(dsn.recipients) or report_type == "delivery-status" or daemon or (
        system and machine and bool(_SMTP_REPLY_RE.search(notice[:40000])))
    if not structural and _REPLY_PREFIX_RE.match(subject) and not bounce_subject:
        return None  # someone (a postmaster, say) answering our mail, not a mail system bouncing it
    if not structural and not system and not (bounce_subject and machine) \
            and _is_response(msg, subject, notice, None):
        return None
    result = bounces.BounceResult(is_dsn=dsn.is_dsn)
    if dsn.recipients:
        result.recipients, result.temporary = dsn.recipients, dsn.temporary
        return result
    texts = parts.texts + parts.other_parts
    result.recipients = bounces.read_free_text(texts, exclude=exclude, domain=_sender_domain(msg),
                                               originals=parts.attached)
    result.temporary = _temporary_wording(subject, notice)
    return result


# An SMTP reply line as MTAs quote it: "550 5.1.1 ...", "550 - Requested action not taken".
_SMTP_REPLY_RE = re.compile(r"(?<![\d.:/-])[45]\d\d(?:[ -]+[45]\.\d{1,3}\.\d{1,3})?[ -]+[A-Za-z<]")


def _machine_notice(notice: str, exclude: set[str]) -> bool:
    """Failure wording and a failed address standing where mail systems put it: a notice written by
    an MTA even when it wears a reply-style subject (some gateways answer with "Re: <subject>")."""
    if not _BOUNCE_BODY_RE.search(notice[:40000]):
        return False
    return any(addr not in exclude for addr in bounces.strong_recipients(notice[:40000]))


def _mdn_rejection(parts: mime.Walk) -> list[str] | None:
    """Recipients of a message a filter threw away and said so in an MDN (Sieve 'reject', RFC 5429:
    'Disposition: automatic-action/...; deleted'); None for any other MDN, such as a read receipt."""
    for text in parts.disposition_notifications:
        disposition = re.search(r"^disposition\s*:\s*automatic-action/[^;]*;\s*(\w+)", text, re.I | re.M)
        if not disposition or disposition.group(1).lower() != "deleted":
            continue
        recipient = re.search(r"^(?:original|final)-recipient\s*:\s*(.+)$", text, re.I | re.M)
        found = mime.addresses(recipient.group(1)) if recipient else []
        return found[:1]
    return None


_DELAY_RE = re.compile(
    r"delay|not yet (?:been )?delivered|will (?:continue to )?(?:retry|try|keep trying)|"
    r"still (?:being )?(?:retried|trying)|deferred|warning|temporar|retrying|no action is required",
    re.I)
_HARD_RE = re.compile(
    r"(?<![\d.])5\d\d(?![\d.:])|\b5\.\d{1,3}\.\d{1,3}\b|permanent|fatal|user unknown|unknown user|"
    r"no such (?:user|mailbox|address|domain)|does not exist|not listed|invalid (?:recipient|"
    r"address|mailbox)|unrouteable|host (?:not found|unknown)|gave up|giving up|"
    r"failed permanently|has been returned|have been returned|is being returned|"
    r"returned to (?:the )?sender|could not be delivered|was not delivered|undeliverable|"
    r"account (?:is )?(?:disabled|inactive|suspended)|too many hops",
    re.I)


_RETRY_PROMISE_RE = re.compile(
    r"\battempts? (?:will|shall) (?:continue|be made)|will (?:continue to )?(?:retry|try again|keep "
    r"trying|be retried)|will (?:try|attempt) to (?:re)?deliver", re.I)
_GENERIC_FAILURE_RE = re.compile(r"could not be delivered|was not delivered|undeliverable|"
                                 r"cannot be delivered", re.I)


def _temporary_wording(subject: str, notice: str) -> bool:
    """A free-text notice is temporary when it speaks of delay and of nothing permanent."""
    head = notice[:20000]
    if _RETRY_PROMISE_RE.search(head):
        # "could not be delivered ... Delivery attempts will continue": only explicit permanent
        # words or codes make such a notice final.
        subject, head = _GENERIC_FAILURE_RE.sub("", subject), _GENERIC_FAILURE_RE.sub("", head)
    if _HARD_RE.search(subject) or _HARD_RE.search(head):
        # "will be returned if not delivered within N days" is a delay notice, not a failure.
        softened = re.sub(r"(?:will|would) be returned|if (?:it|the message) (?:is|cannot be|could "
                          r"not be) (?:not )?delivered|cannot be delivered within|"
                          r"could not be delivered (?:yet|for|within)", "", head, flags=re.I)
        if _HARD_RE.search(subject) or _HARD_RE.search(softened):
            return False
    return bool(_DELAY_RE.search(subject) or _DELAY_RE.search(head) or _RETRY_PROMISE_RE.search(head))


def _is_response(msg: Message, subject: str, text: str, reference: str | None) -> bool:
    """Whether this mail answers something: a reply-style subject, threading headers, quotes."""
    if reference:
        return True
    if _REPLY_PREFIX_RE.search(subject):
        return True
    if mime.header(msg, "In-Reply-To").strip() or mime.header(msg, "References").strip():
        return True
    sample = text[:50000]
    if re.search(r"^\s*>", sample, re.M):
        return True
    return bool(_QUOTE_HEADER_RE.search(sample))


def _is_auto_reply(msg: Message, subject: str, fresh: str, *, responding: bool,
                   ticket: str | None) -> bool:
    auto_submitted = mime.header(msg, "Auto-Submitted").strip().lower()
    if auto_submitted.startswith("auto-replied"):
        return True
    if auto_submitted.startswith("auto-") and responding:
        return True  # RFC 3834: a person's mail program never sets it; an answer from a machine
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-AutoReply-From",
                 "X-Mail-Autoreply", "X-Autogenerated", "X-FC-MachineGenerated", "X-Autoresponse"):
        value = mime.header(msg, name).strip().lower()
        if value and value not in ("no", "false", "0"):
            return True
    precedence = mime.header(msg, "Precedence").strip().lower()
    if precedence == "auto_reply" or "autoresponder" in mime.header(msg, "X-POST-MessageClass").lower():
        return True
    if _OOO_SUBJECT_RE.search(subject) or _ACK_SUBJECT_RE.search(subject):
        return True
    # A mailing list (or a forge's notifications, sent like one) marks every post it relays as list
    # mail from a no-reply sender; that says nothing about whether a person wrote it.
    listed = bool(mime.header(msg, "List-Id").strip() or mime.header(msg, "List-Post").strip())
    weak = (
        (auto_submitted and auto_submitted != "no")
        or (precedence in ("bulk", "junk", "list") and not listed)
        or bool(mime.header(msg, "X-Auto-Response-Suppress").strip())
        or _null_return_path(msg)
        or (not listed and bool(re.match(r"(?:no-?reply|do-?not-?reply|donotreply|auto-?reply|"
                                         r"autorespond|mailer|notifications?|helpdesk|support|ticket)",
                                         _sender(msg)[1])))
    )
    auto_body = bool(_AUTO_BODY_RE.search(fresh[:20000]))
    if auto_body and (responding or ticket):  # a notice answering nothing is just unrelated
        return True
    # A person answering through a ticket system or a list also carries such headers: only a
    # message without words of its own is taken for a machine on these weak signals.
    return bool(weak and (responding or ticket) and not _has_person_text(fresh))


def _has_person_text(fresh: str) -> bool:
    """Some words of a person's own: more than a greeting line of unquoted text."""
    words = re.findall(r"\w+", fresh[:5000])
    return len(words) >= 3


def _looks_like_abuse_report(msg: Message, subject: str, text: str, parts: mime.Walk) -> bool:
    """A vendor's abuse notice without ARF/X-ARF markup: abuse wording plus evidence."""
    head = text[:30000]
    abuse_hits = {m.group(0).lower() for m in _ABUSE_WORDS_RE.finditer(subject + "\n" + head)}
    report_hits = bool(_REPORT_WORDS_RE.search(subject)) or bool(_REPORT_WORDS_RE.search(head[:5000]))
    evidence = bool(_IP_RE.search(subject + "\n" + head)) or bool(parts.other_parts) or any(
        t.startswith(("application/", "text/csv")) for t in parts.types)
    sender_local = _sender(msg)[1].split("@", 1)[0]
    from_abuse_desk = bool(re.search(r"abuse|report|takedown|feedback|fbl|complaint|monitor|"
                                     r"incident|security|cert|soc", sender_local))
    subject_abuse = bool(_ABUSE_WORDS_RE.search(subject)) or bool(
        re.search(r"\breport\b", subject, re.I) and (_IP_RE.search(subject) or from_abuse_desk))
    score = (len(abuse_hits) >= 2) + report_hits + evidence + from_abuse_desk + subject_abuse
    # Several abuse words, or an abuse subject from a reporting address or over a forwarded
    # offending message (the classic complaint), and enough of the rest.
    # A notice that answers nothing, names an abuse in its subject and lists addresses (Google's
    # Safe Browsing reports, scan feeds) is focused too.
    focused = len(abuse_hits) >= 2 or (subject_abuse and (
        from_abuse_desk or bool(parts.attached) or bool(_IP_RE.search(head))))
    return focused and score >= 3


def _unquoted(text: str) -> str:
    """The text a person (or robot) wrote in this message, without the quoted original."""
    match = _QUOTE_HEADER_RE.search(text)
    if match:
        text = text[: match.start()]
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def _reference(msg: Message, subject: str, text: str, parts: mime.Walk) -> str | None:
    """Our reference ABD-YYYY-NNNN, wherever the mail carries it (threading headers first)."""
    sources = [
        subject,
        mime.header(msg, "In-Reply-To"),
        mime.header(msg, "References"),
        mime.header(msg, "Reply-To") + " " + mime.header(msg, "To") + " " + mime.header(msg, "Cc"),
        mime.header(msg, "X-AbuseDesk-Reference"),
        text[:200000],
        "\n".join(parts.delivery_status + parts.attached + parts.other_parts)[:200000],
    ]
    for source in sources:
        match = REFERENCE_RE.search(source or "")
        if match:
            return f"ABD-{match.group(1)}-{match.group(2)}"
    return None


def _ticket(subject: str, fresh: str) -> str | None:
    """The ISP's own ticket number (never our ABD- reference), subject first."""
    for source in (REFERENCE_RE.sub(" ", subject), REFERENCE_RE.sub(" ", fresh[:20000])):
        for pattern in _TICKET_PATTERNS:
            for match in pattern.finditer(source):
                ticket = match.group("id").strip(".,;:)]/-_#")
                ticket = ticket.lstrip("#")
                if not re.search(r"\d", ticket) or _NOT_TICKET_RE.search(ticket):
                    continue
                if len(re.sub(r"\D", "", ticket)) < 3:
                    continue
                return ticket
    return None
