"""Formal requests: the 別紙's figures kept with the approved revision.

Revision ID: 0021_formal_kept_appendix
Revises: 0020_audit_notes
Create Date: 2026-12-01 17:00:00

The appendix (別紙) of a request was counted again at every print, so the printed document of
a request already sent changed when a cited case changed later (review R2-26). From now on the
figures are counted once, at approval, and kept in ``formal_revisions.appendix`` (JSON; see
``campaign/formal_requests/evidence.py``, ``figures``). For requests approved before this
revision the figures at approval are lost: the upgrade counts them from today's cases, with
``"source": "upgrade"``, and the document says that they were counted on that day.
"""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0021_formal_kept_appendix"
down_revision = "0020_audit_notes"
branch_labels = None
depends_on = None


def _figures(connection, request_id: int, minimum: int) -> dict:
    """What evidence.figures counts, in SQL (this revision's own copy of the rule)."""
    cases = connection.execute(
        sa.text(
            "SELECT DISTINCT c.id, c.prefecture_code, c.branch_id FROM cases c "
            "JOIN formal_item_cases l ON l.case_id = c.id "
            "JOIN formal_items i ON i.id = l.item_id WHERE i.request_id = :r"
        ),
        {"r": request_id},
    ).all()
    prefecture = {c.id: c.prefecture_code for c in cases}
    by_category: dict[str, dict] = {}
    if cases:
        links = connection.execute(
            sa.text(
                "SELECT l.case_id, k.code, k.position, k.name_ja, k.name_en "
                "FROM case_category_links l JOIN case_categories k ON k.id = l.category_id "
                "WHERE l.case_id IN (SELECT DISTINCT l2.case_id FROM formal_item_cases l2 "
                "JOIN formal_items i ON i.id = l2.item_id WHERE i.request_id = :r)"
            ),
            {"r": request_id},
        ).all()
        for link in links:
            entry = by_category.setdefault(
                link.code,
                {"position": link.position, "ja": link.name_ja, "en": link.name_en, "ids": set()},
            )
            entry["ids"].add(link.case_id)
    rows, small_kinds, shown = [], False, set()
    for entry in by_category.values():
        if len(entry["ids"]) >= minimum:
            shown |= entry["ids"]
            rows.append(
                {
                    "position": entry["position"],
                    "ja": entry["ja"],
                    "en": entry["en"],
                    "cases": len(entry["ids"]),
                    "prefectures": len({prefecture[i] for i in entry["ids"]}),
                }
            )
        else:
            small_kinds = True
    only_hidden = len(cases) - len(shown)
    big_total = len(cases) >= minimum and not 0 < only_hidden < minimum
    return {
        "rows": rows,
        "small_kinds": small_kinds,
        "total_cases": len(cases) if big_total else None,
        "total_prefectures": len(set(prefecture.values())) if big_total else None,
        "minimum": minimum,
        "branches": sorted({c.branch_id for c in cases}),
    }


def upgrade() -> None:
    op.add_column("formal_revisions", sa.Column("appendix", sa.Text, nullable=True))
    connection = op.get_bind()
    minimum = connection.execute(
        sa.text("SELECT evidence_minimum FROM formal_settings WHERE scope = 'hq'")
    ).scalar()
    minimum = max(1, minimum if minimum is not None else 3)
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    approved = connection.execute(
        sa.text(
            "SELECT r.id AS request_id, v.id AS revision_id FROM formal_requests r "
            "JOIN formal_revisions v ON v.request_id = r.id AND v.number = r.revision "
            "WHERE r.state <> 'draft'"
        )
    ).all()
    for row in approved:
        kept = {
            **_figures(connection, row.request_id, minimum),
            "counted_on": today,
            "source": "upgrade",
        }
        connection.execute(
            sa.text("UPDATE formal_revisions SET appendix = :a WHERE id = :id"),
            {"a": json.dumps(kept, ensure_ascii=False), "id": row.revision_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("formal_revisions") as batch:
        batch.drop_column("appendix")
