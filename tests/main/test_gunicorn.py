"""The production server's access log keeps no client address, query string or referrer."""

from __future__ import annotations

import importlib
import re


def test_access_log_names_no_client(monkeypatch):
    monkeypatch.delenv("NAISHIN_REDIS_URL", raising=False)
    conf = importlib.reload(importlib.import_module("campaign.gunicorn_conf"))
    fields = set(re.findall(r"%\((\{[^}]+\}[ioe]|\w)\)s", conf.access_log_format))
    # h: address, r: request line with query, q: query, a: user agent, f: referrer, t: time,
    # u: user, {...}i: any request header (X-Forwarded-For among them).
    assert not fields & {"h", "r", "q", "a", "f", "t", "u"}
    assert not any(field.endswith("}i") for field in fields)
    assert "U" in fields  # the path alone


def test_one_worker_without_redis_several_with(monkeypatch):
    monkeypatch.delenv("NAISHIN_REDIS_URL", raising=False)
    conf = importlib.reload(importlib.import_module("campaign.gunicorn_conf"))
    assert conf.workers == 1 and conf.threads >= 2
    monkeypatch.setenv("NAISHIN_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert importlib.reload(conf).workers > 1


def test_survey_respondents_requests_are_not_logged_at_all(app, monkeypatch):
    """(``app``: the features declare their unlogged paths when an app is made; alone, this
    test saw none of them.)"""
    conf = importlib.import_module("campaign.gunicorn_conf")
    written = []
    monkeypatch.setattr(
        "gunicorn.glogging.Logger.access",
        lambda self, resp, req, environ, t: written.append(environ["PATH_INFO"]),
    )
    logger = conf.RespondentSafeLogger.__new__(conf.RespondentSafeLogger)
    for path in (
        "/surveys/answer/3",
        "/static/surveys/sodium/libsodium.0123456789ab.js",
        "/static/surveys/answer.js",
        "/cases/",
        "/info/qa",
    ):
        logger.access(None, None, {"PATH_INFO": path}, None)
    assert written == ["/cases/", "/info/qa"]
