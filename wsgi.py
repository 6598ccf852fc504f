"""The WSGI entry point: ``gunicorn -c campaign/gunicorn_conf.py wsgi:app``."""

from campaign import create_app

app = create_app()
