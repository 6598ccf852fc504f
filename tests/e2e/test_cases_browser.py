"""An officer logs a case with a photo on a phone-sized screen, then headquarters takes it up."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from campaign.auth.models import Role
from campaign.cases.models import Attachment, Case
from tests.cases import factories
from tests.cases.factories import CaseFactory
from tests.e2e.helpers import login


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized window in Japanese, JavaScript off: the pages must work without it."""
    context = browser.new_context(
        locale="ja-JP",
        base_url=live_server,
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_officer_logs_a_case_with_a_photo(phone, page, live_make, session, tmp_path):
    CaseFactory(session).seed()
    branch = live_make.branch(prefecture="25")
    officer = live_make.user(branch=branch)
    photo = tmp_path / "notice.jpg"
    photo.write_bytes(factories.jpeg_bytes(gps=True))

    login(phone, officer)
    phone.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="事例").click()
    phone.get_by_role("link", name="事例を記録する").click()
    expect(phone.get_by_role("note")).to_contain_text("個人の氏名は書かないでください。")

    phone.get_by_label("件名").fill("記入済み申請書の職場配布")
    phone.get_by_label("職場（部署・事業所）").fill("市役所人事課")
    phone.get_by_label("日付（期間の場合は初日）").fill("2019-08-20")
    phone.get_by_label("申請書の一括配布").check()
    phone.get_by_label("被扶養者への勧奨").check()
    phone.get_by_role("combobox", name=re.compile("^発出元")).select_option("municipality")
    phone.get_by_label("発出元の名称").fill("○○市人事課")
    phone.get_by_label("文書による通知").check()
    phone.get_by_label("対象となった職員の数").fill("120")
    phone.get_by_label("被扶養者が対象になった").check()
    phone.get_by_label("事例の内容", exact=True).fill("共済組合の申請書が氏名入りで配られた。")
    phone.get_by_label("添付ファイル").set_input_files(str(photo))
    phone.get_by_role("button", name="本部に報告する").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("記入済み申請書の職場配布")
    expect(phone.get_by_text("報告済").first).to_be_visible()
    with phone.expect_download() as download_info:
        phone.get_by_role("link", name="notice.jpg").click()
    downloaded = download_info.value.path().read_bytes()
    with Image.open(io.BytesIO(downloaded)) as image:
        assert not image.getexif().get_ifd(0x8825)  # no GPS position left

    session.expire_all()
    case = session.scalars(select(Case)).one()
    assert (case.state, case.branch_id, case.staff_affected) == ("reported", branch.id, 120)
    assert session.scalars(select(Attachment)).one().media_type == "image/jpeg"

    # Headquarters takes it up at a desk; the branch then sees the comment.
    hq = live_make.user(role=Role.HQ)
    login(page, hq)
    page.goto(f"/cases/{case.id}")
    page.get_by_label("新しい状態").select_option("hq_reviewing")
    page.get_by_label("コメント").fill("本部で確認し、県に照会します。")
    page.get_by_role("button", name="コメントを保存する").click()
    expect(page.get_by_text("本部で確認し、県に照会します。")).to_be_visible()

    phone.reload()
    expect(phone.get_by_text("本部で確認し、県に照会します。")).to_be_visible()
    expect(phone.get_by_text("本部確認中").first).to_be_visible()
    expect(phone).to_have_url(re.compile(rf"/cases/{case.id}$"))
