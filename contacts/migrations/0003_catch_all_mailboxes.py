"""The default do-not-contact list: registry mailboxes that only answer "write to the holder"."""

from django.db import migrations

REGISTRY = "a regional or national registry's mailbox: it only tells you to write to the holder"
DEFAULTS = {
    "abuse@ripe.net": REGISTRY,
    "hostmaster@ripe.net": REGISTRY,
    "abuse@arin.net": REGISTRY,
    "hostmaster@arin.net": REGISTRY,
    "helpdesk@apnic.net": REGISTRY,
    "abuse@apnic.net": REGISTRY,
    "search-apnic-not-arin@apnic.net": "ARIN's placeholder for ranges transferred to APNIC",
    "abuse@lacnic.net": REGISTRY,
    "hostmaster@lacnic.net": REGISTRY,
    "abuse@afrinic.net": REGISTRY,
    "hostmaster@afrinic.net": REGISTRY,
    "hostmaster@nic.ad.jp": "JPNIC's hostmaster (a national registry), not the network's holder",
    "hostmaster@nic.or.kr": "KISA/KRNIC's hostmaster (a national registry), not the network's holder",
    "hostmaster@twnic.tw": "TWNIC's hostmaster (a national registry), not the network's holder",
}


def seed(apps, schema_editor):
    mailbox = apps.get_model("contacts", "CatchAllMailbox")
    for email, reason in DEFAULTS.items():
        mailbox.objects.get_or_create(email=email, defaults={"reason": reason})


def unseed(apps, schema_editor):
    apps.get_model("contacts", "CatchAllMailbox").objects.filter(email__in=DEFAULTS).delete()


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_rdap_cache")]
    operations = [migrations.RunPython(seed, unseed)]
