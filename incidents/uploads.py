"""Upload handling for evidence: hash and size while the bytes stream in, cap enforced early."""

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler

from .services import clean_display_name


class EvidenceUploadHandler(TemporaryFileUploadHandler):
    """Streams every upload to a temporary file (never memory) and computes its SHA-256 as it goes.

    Problems are left on the request for the view to report: ``request.upload_rejected`` lists
    (name, reason) of files refused while streaming, ``request.upload_interrupted`` is set when the
    body ended before the last file did (a connection that broke off).
    """

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self._sha256 = hashlib.sha256()
        self._cap = settings.EVIDENCE_MAX_BYTES
        self._skipped = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self._cap:
            rejected = getattr(self.request, "upload_rejected", [])
            rejected.append((clean_display_name(self.file_name), "too_large"))
            self.request.upload_rejected = rejected
            self._skipped = True
            raise SkipFile
        self._sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        upload = super().file_complete(file_size)
        upload.sha256 = self._sha256.hexdigest()
        return upload

    def upload_interrupted(self):
        # Django also reports a last file we refused ourselves as "interrupted": not so.
        if not self._skipped:
            self.request.upload_interrupted = True
            super().upload_interrupted()
