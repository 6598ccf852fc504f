"""The demo petition: ``flask --app wsgi petitions demo`` (after ``flask demo``), run by
``make run``. Nothing happens when a petition exists already.

One open petition of headquarters to the minister, with online signatures (made through the
signing service, so sealed as real ones) and paper batches from two demo branches. Every
signer is invented and says so: surnames such as 見本 (sample) and 架空 (fictitious), towns
named 見本町 and 例示町, which no real address carries.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.auth.models import Role, User
from campaign.org.models import Branch
from campaign.petitions import services
from campaign.petitions.models import Petition

TITLE = "職員とその家族にマイナンバーカードの取得を強制しないことを求める請願（デモ）"
TEXT = (
    "マイナンバーカードの取得は、法律上、本人の申請によるものです。"
    "職場を通じた申請書の配布・回収や取得状況の調査は、事実上の強制となりかねません。"
    "職員とその家族に取得を強いないこと、取得しない職員に不利益な扱いをしないことを求めます。"
)
TEXT_EN = (
    "The My Number card is issued only on the person's own application. Handing out and "
    "collecting application forms at work, and surveys of who has the card, can amount to "
    "compulsion. We ask that staff and their families are not pressed to get it, and that no "
    "one who does not is treated unfavourably."
)
SIGNERS = (
    ("見本 太郎", "東京都港区見本町1-2-3"),
    ("見本 花子", "東京都港区見本町1-2-3"),  # a household: two names, one address
    ("例示 一郎", "滋賀県大津市例示町2丁目3番4号"),
    ("例示 次郎", "滋賀県大津市例示町5-6"),
    ("仮名 良子", "大阪府大阪市北区見本町3-1"),
    ("架空 健太", "北海道札幌市中央区例示町4条5丁目6"),
    ("架空 明美", "高知県高知市見本町7-8"),
    ("ミホン ハナコ", "千葉県千葉市中央区例示町9-10"),
)
PAPER = (  # branch code, days ago, signatures, sheets, note
    ("tokyo-minato", 3, 120, 24, "昼休みの職場集会で集めた署名用紙"),
    ("shiga-otsu", 1, 45, 9, "駅前の街頭署名（見本）"),
)


def load(db: Session) -> int:
    """Add the demo petition; return how many signatures it got (0 when nothing was added)."""
    if db.scalar(select(func.count()).select_from(Petition)):
        return 0
    hq = db.scalar(select(User).where(User.role == Role.HQ).order_by(User.id))
    if hq is None:
        return 0
    petition = services.create_petition(
        db,
        hq,
        title_ja=TITLE,
        title_en="Petition (demo): do not force staff and their families to get the My Number card",
        text_ja=TEXT,
        text_en=TEXT_EN,
        addressee_ja="総務大臣",
        addressee_en="Minister for Internal Affairs and Communications",
        goal=500,
        closes_on=services.today() + timedelta(days=60),
        ask_email=True,
    )
    services.open_petition(db, petition)
    signed = sum(
        services.sign(db, petition, name=name, address=address).outcome == "counted"
        for name, address in SIGNERS
    )
    for code, days_ago, signatures, sheets, note in PAPER:
        branch = db.scalar(select(Branch).where(Branch.code == code))
        if branch is None:
            continue
        signed += signatures
        services.add_batch(
            db,
            hq,
            petition,
            branch_id=branch.id,
            received_on=services.today() - timedelta(days=days_ago),
            signatures=signatures,
            sheets=sheets,
            note=note,
        )
    db.flush()
    return signed
