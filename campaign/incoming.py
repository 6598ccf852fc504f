"""The request class: uploaded files stay in memory, never in a temporary file (review R7b-4).

Werkzeug spools every file part of a multipart body over 500 KB into ``tempfile.TemporaryFile``:
on Linux a file in ``/tmp`` unlinked at once but written to the disk all the same, whose blocks
keep the original upload (a photo's EXIF and GPS, a document's authors, all of its content)
after it is closed, outside the data key's protection and outside every retention job. What
is stored is cleaned first and then sealed (campaign/cases/attachments), so the raw upload
must rest nowhere: each file part goes to a ``BytesIO`` instead. Memory is bounded by the size
limits the routes already set (``MAX_CONTENT_LENGTH``; the case form's few files: cases
``_allow_uploads``), checked by Werkzeug before a byte of the part is kept.

The reverse proxy in front must not spool request bodies to its disk either (nginx writes a
body larger than ``client_body_buffer_size`` to a file): the README's production section says
how it is set.
"""

from __future__ import annotations

import io

from flask import Request as FlaskRequest


class Request(FlaskRequest):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> io.BytesIO:
        return io.BytesIO()
