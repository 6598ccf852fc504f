"""campaign.forms.form_status: a re-shown form answers 400."""

from __future__ import annotations

from types import SimpleNamespace

from campaign.forms import form_status


def test_status_follows_the_errors():
    assert form_status(SimpleNamespace(errors={}, form_errors=[])) == 200
    assert form_status(SimpleNamespace(errors={"title": ["Enter a title."]}, form_errors=[])) == 400
    assert form_status(SimpleNamespace(errors={}, form_errors=["Expired."])) == 400


# Labels that two differently named fields share and that mean the same thing in both.
SAME_MEANING = {
    "Name": {"display_name", "name"},  # a person's name: staff, a requester, a signer
    "Prefecture": {"prefecture", "prefecture_code"},
    "Issued by": {"issuer", "issuer_kind"},  # the kind of issuer of a case, and the filter by it
    "Save as draft": {"save_draft", "save"},
}


def test_one_label_is_not_used_for_fields_of_different_meanings(app):
    """A msgid has one translation: a label shared by two different fields must mean the same in
    both (review R4-6: "Address" labelled both a signer's 住所 and a page's URL slug)."""
    from wtforms import Form
    from wtforms.fields.core import UnboundField

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    names: dict[str, set[str]] = {}
    for form in set(every(Form)):
        for attribute in dir(form):
            unbound = getattr(form, attribute, None)
            if not isinstance(unbound, UnboundField) or not unbound.args:
                continue
            label = unbound.args[0]
            msgid = label._args[0] if hasattr(label, "_args") else str(label)
            names.setdefault(msgid, set()).add(attribute)
    shared = {msgid: found for msgid, found in names.items() if len(found) > 1}
    assert "Address" in names and "Page address (URL)" in names  # the forms were all found
    assert {m: f for m, f in shared.items() if SAME_MEANING.get(m) != f} == {}
