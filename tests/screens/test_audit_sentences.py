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
    # The filter still takes the code.
    assert "事例の一覧を閲覧しました。" not in client.get("/audit/?action=login").get_data(
        as_text=True
    )


def test_every_sentence_names_its_record(app):
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert sentence("case.state_changed", "case", "2") == "事例#2の状態を変更しました。"
        assert sentence("unknown.action") is None
        for action in SENTENCES:
            assert "%(" not in sentence(action, "survey", "1")
