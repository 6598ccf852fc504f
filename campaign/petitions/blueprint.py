"""The petitions blueprint, on its own so that the route modules (public, staff, documents)
import it without importing views.py, which imports them to register their routes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("petitions", __name__)
