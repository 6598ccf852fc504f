"""Attachments at rest: sealed with the platform's data key (campaign/datakey.py), which never
enters the database. Losing the key loses the attachments: back it up apart from the dumps."""

from __future__ import annotations

from campaign.datakey import KEY_FILE, DataKeyError, load_key, seal, unseal

__all__ = ["KEY_FILE", "DataKeyError", "load_key", "seal", "unseal"]
