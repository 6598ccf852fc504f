"""Survey test helpers: the factory, constants and ways to answer a survey."""

from __future__ import annotations

import re

from surveys import sealing, services
from surveys.models import Kind, Survey

PASSPHRASE = "a long and careful passphrase"


TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


class SurveyFactory:
    """Builds surveys in the test's session (committed, so requests see them)."""

    def __init__(self, session, make) -> None:
        self.session, self.make = session, make

    def draft(self, *, branch=None, k: int = 5, grouping: bool = True, text: bool = True) -> Survey:
        """A draft with one question of each kind (and a grouping question first)."""
        survey = Survey(
            title_ja="職場アンケート",
            title_en="Workplace survey",
            intro_ja="ご協力ください。",
            branch_id=branch.id if branch else None,
            min_group=k,
        )
        self.session.add(survey)
        self.session.flush()
        if grouping:
            services.add_question(
                self.session,
                survey,
                kind="single",
                text_ja="職種",
                text_en="Kind of work",
                options_ja="事務\n技術\n保育\n清掃",
                options_en="Office\nTechnical\nChildcare\nCleaning",
                is_grouping=True,
            )
        services.add_question(
            self.session,
            survey,
            kind="single",
            text_ja="マイナンバーカードの取得を求められましたか",
            text_en="Were you pressed to get the card?",
            options_ja="はい\nいいえ",
            options_en="Yes\nNo",
            required=True,
        )
        services.add_question(
            self.session,
            survey,
            kind="multiple",
            text_ja="誰から",
            text_en="By whom",
            options_ja="上司\n人事\n同僚",
            options_en="Manager\nHR\nColleague",
        )
        services.add_question(self.session, survey, kind="scale5", text_ja="不安", text_en="Worry")
        services.add_question(self.session, survey, kind="number", text_ja="回数", text_en="Times")
        if text:
            services.add_question(
                self.session, survey, kind="text", text_ja="自由記述", text_en="Anything else"
            )
        self.session.commit()
        return survey

    def opened(self, **kwargs) -> Survey:
        """A survey opened with PASSPHRASE (cheap Argon2id parameters)."""
        survey = self.draft(**kwargs)
        services.open_survey(self.session, survey, PASSPHRASE, sealing.KDF_LIMITS["testing"])
        self.session.commit()
        return survey

    def opened_draft(self, survey: Survey) -> Survey:
        """Open an existing draft with PASSPHRASE."""
        services.open_survey(self.session, survey, PASSPHRASE, sealing.KDF_LIMITS["testing"])
        self.session.commit()
        return survey

    def close(self, survey: Survey) -> Survey:
        """Close a survey (after answers sent through the app): results open only then."""
        self.session.expire_all()
        survey = self.session.get(Survey, survey.id)
        services.close_survey(self.session, survey, system=True)
        self.session.commit()
        return survey

    def question_ids(self, survey: Survey) -> dict[Kind, int]:
        """The id of each kind's (non-grouping) question, plus "group"."""
        ids = {q.kind: q.id for q in survey.questions if not q.is_grouping}
        grouping = survey.grouping
        if grouping:
            ids["group"] = grouping.id
        return ids


def answer_token(client, survey_id: int) -> str:
    """The cookie-less form token of the answer page."""
    page = client.get(f"/surveys/answer/{survey_id}")
    match = TOKEN_RE.search(page.get_data(as_text=True))
    assert match, page.status_code
    return match.group(1)


def plain_form(survey: Survey, *, group: int = 0, yes: bool = True, text: str = "") -> dict:
    """A no-JavaScript answer for SurveyFactory's questions."""
    data = {}
    for q in survey.questions:
        name = f"q{q.id}"
        if q.is_grouping:
            data[name] = str(group)
        elif q.kind == Kind.SINGLE:
            data[name] = "0" if yes else "1"
        elif q.kind == Kind.MULTIPLE:
            data[name] = ["0", "2"]
        elif q.kind == Kind.SCALE5:
            data[name] = "4"
        elif q.kind == Kind.NUMBER:
            data[name] = "3"
        elif q.kind == Kind.TEXT and text:
            data[name] = text
    return data


def sealed_answer(survey: Survey, answer: dict) -> str:
    """An answer sealed as the browser would (base64 of crypto_box_seal of the padded JSON)."""
    import base64

    return base64.b64encode(sealing.seal(answer, survey.public_key, survey.block_size)).decode()
