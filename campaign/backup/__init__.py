"""Backups: ``flask --app wsgi backup DEST`` and ``restore SRC`` (see services.py)."""
