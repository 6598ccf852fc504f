"""Browsing the audit log, for headquarters and administrators."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from campaign import db, params, registry
from campaign.access import hq_required
from campaign.audit import sentences
from campaign.audit import services as audit
from campaign.audit.models import AuditEntry, AuditNote
from campaign.dates import timezone
from campaign.db import Base

bp = Blueprint("audit", __name__, url_prefix="/audit")
registry.add_menu(_l("Audit log"), "audit.index", order=90, audience="hq")
registry.add_template_global("audit_sentence", sentences.sentence)
registry.add_template_global("audit_object", sentences.object_name)
registry.add_template_global("audit_reason", sentences.reason_text)
registry.add_home_card(
    _l("Audit log"),
    "audit.index",
    order=90,
    roles=registry.HQ,
    description=_l(
        "Who did what, and when: logins, account changes, every read of sensitive records."
    ),
)
PAGE_SIZE = 50


class FilterForm(FlaskForm):
    """Filters read from the query string (a GET form carries no state to protect)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
    actor = StringField(_l("Actor (email)"), validators=[Optional(), Length(max=254)])
    object_kind = StringField(_l("Kind of record"), validators=[Optional(), Length(max=32)])
    branch_id = IntegerField(
        _l("Branch number"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])


def _filtered(form: FilterForm):
    # The auth feature's accounts table, by name: auth records into the audit log, so the
    # audit feature must not import auth back (import-linter's "No import cycles").
    users = Base.metadata.tables["users"]
    stmt = (
        select(AuditEntry, users.c.email, AuditNote.text)
        .outerjoin(users, users.c.id == AuditEntry.actor_id)
        .outerjoin(AuditNote, AuditNote.seq == AuditEntry.seq)
    )
    if form.action.data:
        stmt = stmt.where(AuditEntry.action == form.action.data)
    if form.actor.data:
        stmt = stmt.where(users.c.email == form.actor.data.strip().lower())
    if form.object_kind.data:
        stmt = stmt.where(AuditEntry.object_kind == form.object_kind.data.strip())
    if form.branch_id.data is not None:
        stmt = stmt.where(AuditEntry.branch_id == form.branch_id.data)
    # The days are those of the zone the log's times are shown in; the log stores UTC.
    if form.since.data:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(form.since.data, time(), timezone()))
    if form.until.data:
        end = datetime.combine(form.until.data + timedelta(days=1), time(), timezone())
        stmt = stmt.where(AuditEntry.at < end)
    return stmt


@bp.get("/")
@hq_required
def index():
    """The newest entries first, fifty to a page, with filters."""
    session = db.session()
    form = FilterForm(request.args)
    actions = session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    form.action.choices = [SelectChoice("", _l("All actions"))] + [
        SelectChoice(a, sentences.action_label(a)) for a in actions
    ]
    valid = form.validate()
    stmt = _filtered(form) if valid else _filtered(FilterForm(formdata=None))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = params.page_arg(pages)
    rows = session.execute(
        stmt.order_by(AuditEntry.seq.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    # Reading the log is a read like any other (who looked at whose traces). The entry names
    # which filters were used, never what was typed in them (an email, any text), and is
    # written after this page's rows were read, so that the page does not list its own view.
    used = [f.name for f in form if f.name != "csrf_token" and request.args.get(f.name)]
    audit.record(
        session,
        "audit.viewed",
        reason=" ".join([*used, *([f"page={page}"] if page > 1 else [])]) or None,
    )
    return render_template(
        "audit/index.html",
        form=form,
        rows=rows,
        page=page,
        pages=pages,
        total=total,
        pager_args=params.known_args(request.args, [f.name for f in form]),
    ), (200 if valid else 400)
