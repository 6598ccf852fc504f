"""campaign.forms.form_status: a re-shown form answers 400."""

from __future__ import annotations

from types import SimpleNamespace

from campaign.forms import form_status


def test_status_follows_the_errors():
    assert form_status(SimpleNamespace(errors={}, form_errors=[])) == 200
    assert form_status(SimpleNamespace(errors={"title": ["Enter a title."]}, form_errors=[])) == 400
    assert form_status(SimpleNamespace(errors={}, form_errors=["Expired."])) == 400
