"""The authority's written answer goes through the cases' attachment handling: the type read
from the content, metadata stripped (EXIF/GPS, PDF author, Office core properties), sealed at
rest with the data key. Called, not copied: this is the only module that reaches for it."""

from __future__ import annotations

from campaign.cases import attachments, storage

UploadRejected = attachments.UploadRejected


def store(filename: str, data: bytes, max_bytes: int) -> dict:
    """Check and clean an upload; the columns of an ``AnswerFile`` (raises UploadRejected)."""
    cleaned = attachments.clean(filename, data, max_bytes)
    return {
        "filename": cleaned.filename,
        "media_type": cleaned.media_type,
        "size": len(cleaned.data),
        "sealed": storage.seal(cleaned.data),
    }


def open_sealed(sealed: bytes) -> bytes:
    """The cleaned bytes of a stored answer."""
    return storage.unseal(sealed)
