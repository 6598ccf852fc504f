"""Example formal requests for the demo: ``flask --app wsgi formal demo`` (after ``demo`` and
``cases demo``). Nothing happens when requests exist already.

The chain a newcomer should see: headquarters' request of 2019-07-23 to the minister with its
four items and answers, the follow-up of 2019-10-15 with its three, an earlier request of
2017-12-13 whose outcome (the ministry's notice two days later) is published, and a branch's
own request to its governor. The facts follow ../shared/DOMAIN.md; the wording is ours.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.auth.models import Role, User
from campaign.formal_requests import services, vocab, workflow
from campaign.formal_requests.models import FormalRequest
from campaign.org.models import Branch

SENDER = ("自治体職員労働組合連合会（デモ）", "中央執行委員長　見本　太郎")
MINISTER = services.AddresseeInput("総務省", "総務大臣", "", "殿")
PREAMBLE = (
    "日頃より地方自治の発展にご尽力されていることに敬意を表します。",
    "政府は本年度中に国・地方の公務員とその家族にマイナンバーカードを一斉に取得させる方針を決め、"
    "総務省は共済組合を通じた申請書の配布と職場での回収、取得状況の調査を求めています。"
    "カードの取得は本人の申請によるものであり、職場を通じたこうした働きかけは事実上の強制となりかねません。",
    "つきましては、下記の事項について要請します。",
)

# (body, standing, our summary of the answer, the same in English)
FIRST = (
    ("カードの取得は法律上の義務ではないことを踏まえ、職員とその家族に取得を強いないこと。",
     vocab.CONFIRMED,
     "取得は強制できるものではなく、あくまで協力のお願いであるとの回答を得た。",
     "The card cannot be forced on anyone: the ministry only asks for cooperation."),
    ("通知に沿わない共済組合や自治体があっても、そのことで不利益な扱いをしないこと。",
     vocab.CONFIRMED,
     "通知に沿わない共済組合や自治体に不利益が及ぶことはないとの回答を得た。",
     "Mutual-aid associations and municipalities that do not follow the notice suffer no "
     "disadvantage."),
    ("カードを取得しない職員が不利益を受けることのないよう、取得しない選択を保障すること。",
     vocab.CONFIRMED,
     "取得しない職員に不利益が生じることはないとの回答を得た。",
     "Staff who do not get the card suffer no disadvantage."),
    ("取得状況の調査は内心の自由（憲法第19条）に踏み込むおそれがあるため、行わないこと。",
     vocab.PARTLY,
     "調査は同意して答える人だけを想定しているとの回答にとどまり、調査の取りやめには応じなかった。",
     "The status survey counts only those who agree to answer; the ministry would not drop it."),
)  # fmt: skip
SECOND = (
    ("カードを取得しない職員に不利益が及ばないことを、あらためて確認すること。",
     vocab.CONFIRMED,
     "義務ではない以上、不利益や罰則が及ぶことはないとあらためて回答を得た。",
     "Again: since the card is not compulsory, nobody without one faces a disadvantage or "
     "penalty."),
    ("取得状況の調査結果をもとに、自治体どうしを競わせることをしないこと。",
     vocab.CONFIRMED,
     "調査は政府方針に基づくもので、自治体に取得率を競わせる趣旨ではないとの回答を得た。",
     "The survey follows the government's plan and is not meant to rank municipalities by "
     "uptake."),
    ("地方公務員とその家族に、番号をあらかじめ印字した申請書を送らないこと。",
     vocab.CONFIRMED,
     "番号を印字した申請書を送ることは考えていないとの回答を得た。",
     "The ministry does not intend to send application forms with the number printed on "
     "them."),
)  # fmt: skip


def _case_ids(db: Session, codes: tuple[str, ...]) -> list[int]:
    """Reported demo cases of the named branches (if the cases demo was loaded)."""
    from campaign.cases.models import Case

    return list(
        db.scalars(
            select(Case.id)
            .join(Branch, Branch.id == Case.branch_id)
            .where(Branch.code.in_(codes))
            .where(Case.state != "draft")
            .order_by(Case.id)
        )
    )


def _answer(db: Session, request: FormalRequest, who: User, rows, on: date) -> None:
    entries = [
        workflow.AnswerInput(item.id, standing, answer, answer_en)
        for item, (_body, standing, answer, answer_en) in zip(request.items, rows, strict=True)
    ]
    workflow.record_answers(db, request, who, entries, answered_on=on)


def _meeting(db: Session, request: FormalRequest, who: User, on: date, *, how="交渉の場で手交"):
    workflow.approve(db, request, who)
    workflow.send(db, request, who, sent_on=on, how=how)
    workflow.record_meeting(
        db,
        request,
        who,
        met_on=on,
        place="総務省会議室",
        ours="本部書記長、本部政策局",
        theirs="自治行政局住民制度課、自治行政局公務員部福利課",
    )


def load(db: Session) -> int:
    """Add the example requests; return how many were added (0 when some exist)."""
    if db.scalar(select(func.count()).select_from(FormalRequest)):
        return 0
    hq = db.scalar(select(User).where(User.role == Role.HQ).order_by(User.id))
    admin = db.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    if hq is None or admin is None:
        return 0
    settings = services.settings_for(db, None)
    if not settings.organisation:
        services.save_settings(db, admin, None, organisation=SENDER[0], representative=SENDER[1])

    earlier = services.create_request(
        db,
        hq,
        services.HeaderInput(
            subject="特別徴収税額通知へのマイナンバー記載に関する要請",
            preamble="住民税の特別徴収税額通知に従業員の個人番号を記載することについて、下記のとおり要請します。",
            document_number="自職連発第41号",
            dated_on=date(2017, 12, 13),
            addressees=[MINISTER],
        ),
    )
    services.add_item(
        db, earlier, hq, body="事業者に送る特別徴収税額通知には、個人番号を記載しないこと。"
    )
    _meeting(db, earlier, admin, date(2017, 12, 13))
    _answer(
        db,
        earlier,
        admin,
        [("", vocab.TAKEN_BACK, "記載の見直しについて持ち帰って検討するとの回答。",
          "The ministry took the question back for consideration.")],
        date(2017, 12, 13),
    )  # fmt: skip
    workflow.add_outcome(
        db,
        earlier,
        admin,
        happened_on=date(2017, 12, 15),
        description="交渉の2日後、総務省は市区町村に対し、特別徴収税額通知に個人番号を記載しないよう通知した。",
        description_en="Two days after the meeting, the ministry told municipalities not to "
        "print the number on the special-collection tax notices.",
    )
    workflow.close(db, earlier, admin)
    workflow.set_published(db, earlier, admin, True)

    evidence = _case_ids(db, ("tokyo-minato", "chiba-kyosai", "kochi-city"))
    first = services.create_request(
        db,
        hq,
        services.HeaderInput(
            subject="マイナンバーカードの一斉取得の推進に関する緊急要請",
            preamble="\n".join(PREAMBLE),
            document_number="自職連発第18号",
            dated_on=date(2019, 7, 23),
            era_dates=True,
            appendix=bool(evidence),
            addressees=[MINISTER],
        ),
    )
    for n, (body, *_rest) in enumerate(FIRST):
        services.add_item(db, first, hq, body=body, case_ids=evidence if n in (0, 3) else [])
    _meeting(db, first, admin, date(2019, 7, 23))
    _answer(db, first, admin, FIRST, date(2019, 7, 23))
    workflow.close(db, first, admin)
    workflow.set_published(db, first, admin, True)

    # The follow-up: prefilled with item 4 (partly confirmed), reworded after the rule
    # changes of September, and two demands added, the first tied to item 3's answer.
    second = workflow.follow_up(db, first, hq)
    second.subject = "マイナンバーカードの取得推進に関する再要請"
    second.dated_on = date(2019, 10, 15)
    second.document_number = "自職連発第27号"
    second.preamble = (
        "共済組合の運用が9月に相次いで変更されたことを受け、7月23日に確認した事項を含め、"
        "下記のとおりあらためて要請します。"
    )
    (carried,) = second.items
    services.edit_item(db, second, hq, carried.id, body=SECOND[1][0], case_ids=[])
    disadvantage = services.add_item(db, second, hq, body=SECOND[0][0])
    disadvantage.follows_item_id = first.items[2].id
    services.move_item(db, second, hq, disadvantage.id, -1)
    services.add_item(db, second, hq, body=SECOND[2][0])
    db.expire(second, ["items"])
    _meeting(db, second, admin, date(2019, 10, 15))
    _answer(db, second, admin, SECOND, date(2019, 10, 15))

    shiga = db.scalar(select(Branch).where(Branch.code == "shiga-otsu"))
    officer = db.scalar(select(User).where(User.branch_id == shiga.id)) if shiga else None
    if officer is not None:
        services.save_settings(
            db, officer, shiga.id, organisation="大津市職員支部（デモ）",
            representative="支部長　見本　一郎",
        )  # fmt: skip
        services.create_request(
            db,
            officer,
            services.HeaderInput(
                subject="職員へのマイナンバーカード取得の働きかけに関する要請",
                preamble="下記のとおり要請します。",
                dated_on=date(2019, 7, 10),
                addressees=[services.AddresseeInput("滋賀県", "滋賀県知事", "", "様")],
            ),
        )
        draft = db.scalar(select(FormalRequest).where(FormalRequest.branch_id == shiga.id))
        services.add_item(
            db,
            draft,
            officer,
            body="職員とその家族にカードの取得を強いないよう、市町に伝えること。",
        )
    db.flush()
    return db.scalar(select(func.count()).select_from(FormalRequest)) or 0
