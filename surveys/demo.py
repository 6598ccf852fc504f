"""A sample survey for the demo data, so that a newcomer can answer one and count it.

``flask --app wsgi surveys demo`` (``make run`` calls it): creates the survey once, opens it
with a passphrase that is printed then and never again (only its wrapped key is stored).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.auth.models import Role, User
from surveys import sealing, services
from surveys.models import Survey

TITLE_JA = "【デモ】職場でのマイナンバーカード取得勧奨についてのアンケート"
QUESTIONS = [
    dict(kind="single", text_ja="職場の種類", text_en="Kind of workplace",
         options_ja="本庁\n出先機関\n学校・病院など", options_en="Head office\nBranch office\n"
         "School, hospital or similar", is_grouping=True),
    dict(kind="single", text_ja="職場でカードの取得を勧められたことがありますか",
         text_en="Have you been urged at work to get the card?",
         options_ja="ある\nない\n覚えていない", options_en="Yes\nNo\nI don't remember",
         required=True),
    dict(kind="multiple", text_ja="どのような形で勧められましたか（複数回答可）",
         text_en="How were you urged? (choose all that apply)",
         options_ja="記入済みの申請書を配られた\n取得状況を尋ねられた\n取得しない理由を尋ねられた\n"
         "その他", options_en="A pre-filled form was handed out\nAsked whether I have one\n"
         "Asked why I have none\nOther"),
    dict(kind="scale5", text_ja="勧められたとき、どの程度負担に感じましたか",
         text_en="How much pressure did you feel?"),
    dict(kind="text", text_ja="ほかに伝えたいこと", text_en="Anything else"),
]  # fmt: skip


def load(db: Session) -> tuple[Survey, str | None]:
    """Create and open the sample survey unless it exists; return it and the new passphrase."""
    survey = db.scalar(select(Survey).where(Survey.title_ja == TITLE_JA))
    if survey is not None:
        return survey, None
    author = db.scalar(select(User).where(User.role == Role.HQ).order_by(User.id))
    if author is None:
        raise services.SurveyError("run `flask --app wsgi demo` first")
    survey = services.create_survey(
        db,
        author,
        title_ja=TITLE_JA,
        title_en="[Demo] Survey on being urged at work to get the My Number card",
        intro_ja="デモ用のアンケートです。回答は暗号化され、誰の回答かは分かりません。",
        intro_en="A demo survey. Answers are encrypted and nobody can tell who gave them.",
        min_group=5,
    )
    for question in QUESTIONS:
        services.add_question(db, survey, **question)
    passphrase = "-".join(secrets.token_hex(3) for _ in range(4))
    services.open_survey(db, survey, passphrase, sealing.KDF_LIMITS["interactive"])
    return survey, passphrase
