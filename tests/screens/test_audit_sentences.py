"""The audit log reads as sentences in the reader's language; its codes stay for filtering."""

from campaign.audit.sentences import SENTENCES, sentence
from campaign.auth.models import Role


def test_entries_read_as_japanese_sentences_with_their_codes_kept(client, auth, make):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja"
    auth.login(make.user(role=Role.HQ))
    client.get("/cases/")
    html = client.get("/audit/").get_data(as_text=True)
    assert "ログインしました。" in html and "事例の一覧を閲覧しました。" in html
    assert '<code class="small">cases.listed</code>' in html
    assert "件</p>" in html and " 件" not in html
    # The filter lists the actions as sentences and still takes the code.
    assert '<option value="cases.listed">事例の一覧を閲覧しました。</option>' in html
    filtered = client.get("/audit/?action=login").get_data(as_text=True)
    assert "事例の一覧を閲覧しました。" not in filtered.split("<table")[1]


def test_the_platforms_own_reasons_read_in_japanese(app):
    from campaign.audit.sentences import reason_text

    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert reason_text("revision 3") == "第3版"
        assert reason_text("12 signatures") == "12筆"
        assert (
            str(reason_text("draft->approved")) == '<code class="small">draft-&gt;approved</code>'
        )
        assert (
            reason_text("本人から取り下げの申し出") == "本人から取り下げの申し出"
        )  # older entries
        assert str(reason_text("cases.detail 404")) == '<code class="small">cases.detail 404</code>'
        assert sentence("access.denied", "case", "7") == "事例#7へのアクセスを拒否されました。"


def test_every_sentence_names_its_record(app):
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert sentence("case.state_changed", "case", "2") == "事例#2の状態を変更しました。"
        assert sentence("unknown.action") is None
        for action in SENTENCES:
            assert "%(" not in sentence(action, "survey", "1")
