"""The public side: the list of open petitions, a petition's page with its signing form, and
the page an emailed link opens (confirm or withdraw, by a POST from that page only). The link
is queued with the signature and sent later, in a batch (links.py), never in the request.

Every page here is a public form of the toolkit (campaign/publicforms.py): no cookie is read or
set, no access-log line is written, and posts carry the toolkit's form token and pass its Origin
check instead of a session CSRF token. Nothing about the request (address, user agent,
referrer, time) reaches the database: a signature keeps the date only.
"""

from __future__ import annotations

import os

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from campaign import db, publicforms
from campaign.dates import current_locale
from campaign.petitions import links, services
from campaign.petitions.blueprint import bp
from campaign.petitions.forms import SignForm
from campaign.petitions.links import base_url
from campaign.petitions.models import Petition, State

MAX_BODY = 16 * 1024
SIGN = "petition-sign"
LINK = "petition-link"

# Every address under /petitions but the staff pages (/petitions/manage…) leaves no access-log
# line, whatever it answers: a signer who types /petitions or /petitions/1/ from a flyer gets a
# 308 or a 404 that no view sees (review R5-5).
publicforms.register_unlogged_prefix("/petitions", logged=("/petitions/manage",))
# What a signer's browser loads besides the pages: unlogged too, for everyone.
publicforms.unlogged_static(
    "css/site.css", "css/print.css", "favicon.svg", "petitions/petitions.css", "petitions/card.png"
)


def absolute(path: str) -> str | None:
    """An absolute URL for a path of this site, or None when no base URL is configured."""
    base = base_url()
    return f"{base}{path}" if base else None


def _limit(name: str, default: str) -> str:
    return current_app.config.get(name) or os.environ.get(f"NAISHIN_{name}", default)


def _public_petition(petition_id: int) -> Petition:
    """A petition the public may see. A past closing day does not close it here (no public
    request writes a close, review R4-16/R4-15): the page refuses by the date
    (``services.accepting``) and shows it closed; ``petitions close-due`` and staff pages close
    it."""
    petition = db.session().get(Petition, petition_id)
    if petition is None or petition.state == State.DRAFT:
        abort(404)
    return petition


def render_petition(petition: Petition, form: SignForm | None = None, status: int = 200, **extra):
    """The petition's page: text, progress, counts by prefecture, privacy, and the form."""
    path = url_for("petitions.page", petition_id=petition.id)
    html = render_template(
        "petitions/page.html",
        petition=petition,
        form=form or SignForm(),
        progress=services.public_progress(db.session(), petition),
        accepting=services.accepting(petition),
        token=publicforms.issue_token(SIGN, petition.id),
        canonical=absolute(path),
        card_image=absolute(url_for("static", filename="petitions/card.png")),
        table=services.prefecture_table(db.session(), petition),
        prefectures=prefecture_names(),
        error=extra.pop("error", None),
        **extra,
    )
    return html, status


def prefecture_names() -> dict[str, str]:
    """The 47 prefectures' names in the page's language, by JIS code."""
    from sqlalchemy import select

    from campaign.org.models import Prefecture

    locale = current_locale()
    return {p.code: p.name(locale) for p in db.session().scalars(select(Prefecture))}


@bp.get("/petitions/")
@publicforms.public_form
def public_index():
    """The petitions taking signatures now."""
    return render_template(
        "petitions/public_index.html", petitions=services.open_petitions(db.session())
    )


@bp.route("/petitions/<int:petition_id>", methods=["GET", "POST"])
@publicforms.public_form
def page(petition_id: int):
    """A petition's stable address; a POST signs it (no JavaScript needed)."""
    if request.method != "POST":
        petition = _public_petition(petition_id)
        return render_petition(petition)
    if (request.content_length or 0) > MAX_BODY:
        abort(413)
    publicforms.require_same_origin()
    # One transaction from here to the insert (on SQLite it holds the write lock: the checks,
    # hashing and sealing below take about a millisecond); it ends before the page is drawn.
    petition = _public_petition(petition_id)
    form = SignForm(request.form)
    if not publicforms.verify_token(SIGN, petition.id, request.form.get("token")):
        error = _("The form has expired. Please check your details and send it again.")
        return render_petition(petition, form, 400, error=error)
    if not services.accepting(petition):
        return render_petition(petition, form, 410, error=_("This petition is closed."))
    if not publicforms.throttle(SIGN, _limit("PETITION_SIGN_LIMIT", "20 per hour")):
        error = _("Too many signatures from this network. Please try again later.")
        return render_petition(petition, form, 429, error=error)
    if not petition.ask_email:
        form.email.data, form.wants_news.data = "", False
    if not form.validate():
        return render_petition(petition, form, 400)
    hourly = f"{petition.hourly_limit} per hour"
    if not publicforms.throttle(f"petition-{petition.id}", hourly, key="petition"):
        error = _("This petition is receiving very many signatures. Please try again in an hour.")
        return render_petition(petition, form, 429, error=error)
    email = (form.email.data or "").strip() or None
    if email and base_url() is None:
        current_app.logger.warning("petitions: NAISHIN_BASE_URL is unset; cannot email links")
        error = _("Email confirmation is not available at the moment. Leave the email empty.")
        return render_petition(petition, form, 503, error=error)
    try:
        signed = services.sign(
            db.session(),
            petition,
            name=form.name.data,
            address=form.address.data,
            email=email,
            wants_news=bool(form.wants_news.data),
        )
    except services.NotAccepting:
        return render_petition(petition, form, 410, error=_("This petition is closed."))
    if signed.outcome == "pending":
        # Queued with the signature, in its transaction; sent later, in a batch, outside any
        # request (links.py): never now, which would hand the relay the moment of signing.
        links.enqueue(
            db.session(), petition, email=email, token=signed.token, locale=current_locale()
        )
    db.session().commit()
    # The same page for every signer with this outcome, whether or not the person had signed
    # already (review R3-11): rendered once, then kept (it was a third of the request).
    return publicforms.kept_page(
        lambda: render_template("petitions/thanks.html", petition=petition, outcome=signed.outcome),
        "petitions.thanks",
        signed.outcome,
        petition.title(current_locale()),
    )


@bp.route("/petitions/signature", methods=["GET", "POST"])
@publicforms.public_form
def signature():
    """The page an emailed link opens. GET only shows the buttons (mail scanners open links);
    the signature is confirmed, or withdrawn, by the POST those buttons send."""
    token = (request.values.get("token") or "")[:100]
    found = services.find_by_token(db.session(), token)
    petition = db.session().get(Petition, found.petition_id) if found else None
    context = {"petition": petition, "signature": found, "token": token, "done": None}
    context["accepting"] = petition is not None and services.accepting(petition)
    if request.method != "POST":
        context["form_token"] = publicforms.issue_token(LINK, "link")
        status = 200 if found else 404
        return render_template("petitions/signature.html", **context), status
    if (request.content_length or 0) > MAX_BODY:
        abort(413)
    publicforms.require_same_origin()
    context["form_token"] = publicforms.issue_token(LINK, "link")
    if not publicforms.verify_token(LINK, "link", request.form.get("form_token")):
        context["error"] = _("The page has expired. Please open the link from your email again.")
        return render_template("petitions/signature.html", **context), 400
    if not publicforms.throttle(LINK, _limit("PETITION_LINK_LIMIT", "30 per 10 minutes")):
        context["error"] = _("Too many attempts from this network. Please try again later.")
        return render_template("petitions/signature.html", **context), 429
    action = request.form.get("action")
    if action == "confirm":
        context["done"] = services.confirm(db.session(), token)
    elif action == "withdraw":
        context["done"] = "withdrawn" if services.withdraw(db.session(), token) else "unknown"
        context["signature"] = None
    else:
        abort(400)
    status = 404 if context["done"] == "unknown" else 410 if context["done"] == "closed" else 200
    return render_template("petitions/signature.html", **context), status
