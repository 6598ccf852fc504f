"""A handful of example cases for the demo branches: ``flask --app wsgi cases demo``.

Run after ``flask --app wsgi demo``. Nothing happens when cases exist already.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign import clock
from campaign.cases import services, vocab
from campaign.cases.models import Case, CaseAction, CaseCategory, CaseComment
from campaign.org.models import Branch

# (branch code, state, title, workplace, date, categories, issuer kind, issuer, channel, staff)
EXAMPLES = (
    ("tokyo-minato", vocab.IN_ACTION, "記入済み申請書が職場で配布された", "区役所人事課",
     date(2019, 8, 26), ("bulk_forms", "mutual_aid_data"), "mutual_aid", "地方職員共済組合",
     "written", 320),
    ("tokyo-minato", vocab.REPORTED, "取得状況の調査票が回覧された", "区役所総務課",
     date(2019, 10, 31), ("status_survey",), "municipality", "港区総務部", "email", 900),
    ("shiga-otsu", vocab.RESOLVED, "未取得の理由を書くよう求められた", "市役所職員課",
     date(2019, 7, 5), ("reasons_asked", "disadvantage"), "municipality", "大津市職員課",
     "meeting", 45),
    ("shiga-otsu", vocab.DRAFT, "採用予定者に取得を勧める案内", "市役所人事課",
     date(2020, 2, 14), ("non_regular_new",), "municipality", "大津市人事課", "written", 30),
    ("chiba-kyosai", vocab.HQ_REVIEWING, "被扶養者分の申請書も回収", "県庁福利厚生課",
     date(2019, 9, 10), ("forms_collected", "dependents"), "prefecture", "千葉県総務部",
     "written", 1200),
    ("kochi-city", vocab.MONITORING, "職員証との一体化の検討", "市役所情報政策課",
     date(2019, 11, 20), ("staff_id",), "municipality", "高知市情報政策課", "meeting", 2500),
)  # fmt: skip


def load(db: Session) -> int:
    """Add the examples whose branch exists; return how many were added."""
    if db.scalar(select(func.count()).select_from(Case)):
        return 0
    services.seed_categories(db)
    by_code = {c.code: c for c in db.scalars(select(CaseCategory))}
    added = 0
    for code, state, title, workplace, day, cats, issuer, issuer_name, channel, staff in EXAMPLES:
        branch = db.scalar(select(Branch).where(Branch.code == code))
        if branch is None:
            continue
        now = clock.now()
        case = Case(
            branch_id=branch.id,
            prefecture_code=branch.prefecture_code,
            state=state,
            title=title,
            workplace=workplace,
            occurred_on=day,
            occurred_month=day.strftime("%Y-%m"),
            issuer_kind=issuer,
            issuer_name=issuer_name,
            channel=channel,
            staff_affected=staff,
            non_regular="non_regular_new" in cats,
            dependents="dependents" in cats,
            description="（デモ用の例です）" + title + "。職場の反応と経過をここに書きます。",
            categories=[by_code[c] for c in cats],
            reported_at=None if state == vocab.DRAFT else now,
            closed_at=now if state in vocab.CLOSED else None,
        )
        db.add(case)
        if state not in (vocab.DRAFT, vocab.REPORTED):
            db.add(CaseComment(case=case, from_state=vocab.REPORTED, to_state=state,
                               body="本部で確認しました。経過を共有してください。"))  # fmt: skip
            db.add(CaseAction(case=case, kind="request", happened_on=day,
                              note="当局に文書で要請しました。"))  # fmt: skip
        added += 1
    db.flush()
    services.bump_stats(db)
    return added
