"""The survey routes' headers: no-store everywhere, the answer page alone may run WebAssembly."""

from __future__ import annotations

from tests.main.helpers import url_for_rule as _url


def test_survey_routes_send_the_security_headers(app, client, world):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("surveys."):
            continue
        method = "get" if "GET" in rule.methods else "post"
        response = getattr(client, method)(_url(app, rule, world))
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, rule.endpoint
        assert ("wasm-unsafe-eval" in csp) == (rule.endpoint == "surveys.answer"), rule.endpoint
        assert response.headers["Cache-Control"] == "no-store", rule.endpoint
        assert "Set-Cookie" not in response.headers, rule.endpoint
