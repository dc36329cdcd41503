"""Small builders for test data; each test makes exactly what it needs."""

import hashlib

from django.core.files.base import ContentFile

from incidents.models import Evidence
from incidents.services import incident_create


def an_incident(owner, **fields):
    fields.setdefault("title", "SSH brute force from 203.0.113.0/24")
    return incident_create(actor=owner, **fields)


def an_evidence(incident, user, content=b"Nov 24 10:00:01 gw sshd[1]: Failed password\n",
                name="auth.log"):
    evidence = Evidence(incident=incident, original_name=name, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user)
    evidence.file.save(name, ContentFile(content), save=False)
    evidence.save()
    return evidence
