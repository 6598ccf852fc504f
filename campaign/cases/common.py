"""What the case pages share: the ``cases`` blueprint, its menu entries and home cards, the
template helpers, the attachment limit and the list's filters.

``views.py`` (the case pages) and ``picture.py`` (the national picture, the exports, the
categories) both add routes to ``bp``; neither imports the other's internals.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from campaign import db, params, registry
from campaign.audit import services as audit
from campaign.cases import queries, services, vocab
from campaign.cases.forms import FilterForm
from campaign.dates import current_locale
from campaign.org.services import prefectures

bp = Blueprint("cases", __name__, url_prefix="/cases")
# Both entries share the blueprint: each marks only its own page as current.
registry.add_menu(_l("Cases"), "cases.index", order=25, section=None)
registry.add_menu(_l("National picture"), "cases.dashboard", order=26, section=None)
registry.add_home_card(
    _l("Cases"),
    "cases.index",
    order=25,
    description=_l("Report what happened at a workplace and follow each case to its end."),
)
registry.add_home_card(
    _l("National picture"),
    "cases.dashboard",
    order=26,
    description=_l("Reported cases counted by category, issuer, month and prefecture."),
)

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PER_PAGE = 30
# The list's own query arguments: only these travel on in the pager's links.
FILTER_ARGS = ("state", "category", "prefecture", "issuer", "month_from", "month_to")
DEFAULT_MAX_ATTACHMENT = 10 * 1024 * 1024


def max_bytes() -> int:
    """The per-file limit (``NAISHIN_CASES_MAX_ATTACHMENT_MB``, read at start-up into
    ``app.config["CASES_MAX_ATTACHMENT_BYTES"]``; 10 MB)."""
    return int(current_app.config.get("CASES_MAX_ATTACHMENT_BYTES") or DEFAULT_MAX_ATTACHMENT)


@bp.app_context_processor
def _helpers() -> dict:
    def guidance_url():
        """The rights page on being pressed at work, if that feature is installed."""
        if "pages.pressed" in current_app.view_functions:
            return url_for("pages.pressed")
        return None

    return {
        "case_states": vocab.STATES,
        "issuer_kinds": vocab.ISSUER_KINDS,
        "case_channels": vocab.CHANNELS,
        "action_kinds": vocab.ACTION_KINDS,
        "case_guidance_url": guidance_url,
        "case_max_megabytes": lambda: max_bytes() // (1024 * 1024),
    }


# --- filters ----------------------------------------------------------------------------


def read_filters(user) -> tuple[FilterForm, queries.Filters]:
    """The filter form (from the query string) and the filters it stands for."""
    form = FilterForm(request.args)
    locale = current_locale()
    session = db.session()
    # Labels as plain strings, translated once: a lazy label is translated again each time an
    # option is drawn (a tenth of the list page's time).
    anything = [SelectChoice("", _("Any"))]
    form.state.choices = anything + [SelectChoice(k, str(v)) for k, v in vocab.STATES.items()]
    form.category.choices = anything + [
        SelectChoice(str(c.id), c.name(locale)) for c in services.categories(session)
    ]
    pref_codes = {p.code: p.name(locale) for p in prefectures(session)}
    form.prefecture.choices = anything + [SelectChoice(k, v) for k, v in pref_codes.items()]
    form.issuer.choices = anything + [
        SelectChoice(k, str(v)) for k, v in vocab.ISSUER_KINDS.items()
    ]
    args = request.args

    def pick(name, allowed):
        value = args.get(name, "")
        return value if value in allowed else None

    form.validate()  # a month like 2019-13 gets its message beside the field (and a 400)
    month_from, month_to = args.get("month_from", ""), args.get("month_to", "")
    filters = queries.Filters(
        state=pick("state", vocab.STATES),
        category_id=params.int_arg("category", minimum=1),
        prefecture_code=pick("prefecture", pref_codes),
        issuer_kind=pick("issuer", vocab.ISSUER_KINDS),
        month_from=month_from if MONTH.match(month_from) else None,
        month_to=month_to if MONTH.match(month_to) else None,
    )
    return form, filters


def audit_read(user, action: str, **extra) -> None:
    """One audit entry per view of the list or the national picture, naming the filter used
    (the arguments as given, the page's own only), never the rows it showed."""
    given = params.known_args(request.args, FILTER_ARGS)
    given.update({k: str(v) for k, v in extra.items() if v not in (None, 1)})
    audit.record(
        db.session(),
        action,
        object_kind="case",
        branch_id=None if user.is_hq else user.branch_id,
        reason=" ".join(f"{k}={v}" for k, v in sorted(given.items()))[:500] or None,
    )
