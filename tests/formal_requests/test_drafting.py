"""Drafting through the pages: a draft, its items, their order, revisions, sub-items."""

from __future__ import annotations

from sqlalchemy import func, select

from campaign.auth.models import Role, User
from campaign.formal_requests.models import FormalRequest, Item, Revision
from tests.helpers import csrf_token


def _draft(client):
    token = csrf_token(client, "/formal/new")
    response = client.post(
        "/formal/new",
        data={
            "csrf_token": token,
            "branch_id": "0",
            "subject": "カード取得の強制に関する要請",
            "addressees-0-organisation": "総務省",
            "addressees-0-title": "総務大臣",
            "addressees-0-name": "○○",
            "addressees-0-honorific": "殿",
            "dated_on": "2019-07-23",
            "preamble": "下記のとおり要請します。",
            "era_dates": "y",
            "submit": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/formal/")[1].split("#")[0])


def _add(client, request_id, body, parent=""):
    token = csrf_token(client, f"/formal/{request_id}")
    return client.post(
        f"/formal/{request_id}/items",
        data={"csrf_token": token, "body": body, "parent_id": parent, "cases": ""},
    )


def test_draft_items_reorder_revise(make, auth, session):
    hq = make.user(role=Role.HQ)
    auth.login(hq)
    request_id = _draft(auth.client)
    for body in ("一つ目の要請", "二つ目の要請", "三つ目の要請"):
        assert _add(auth.client, request_id, body).status_code == 302
    items = list(
        session.scalars(select(Item).where(Item.request_id == request_id).order_by(Item.position))
    )
    assert [i.body for i in items] == ["一つ目の要請", "二つ目の要請", "三つ目の要請"]

    # Move the third up, twice: it becomes the first.
    for _ in range(2):
        token = csrf_token(auth.client, f"/formal/{request_id}")
        response = auth.client.post(
            f"/formal/{request_id}/items/{items[2].id}/move",
            data={"csrf_token": token, "direction": "up"},
        )
        assert response.status_code == 302
    session.expire_all()
    order = [
        i.body
        for i in session.scalars(
            select(Item)
            .where(Item.request_id == request_id, Item.parent_id.is_(None))
            .order_by(Item.position)
        )
    ]
    assert order == ["三つ目の要請", "一つ目の要請", "二つ目の要請"]

    # A sub-item under the (new) first item, then a rewording.
    assert _add(auth.client, request_id, "小項目です", parent=str(items[2].id)).status_code == 302
    token = csrf_token(auth.client, f"/formal/{request_id}/items/{items[0].id}/edit")
    response = auth.client.post(
        f"/formal/{request_id}/items/{items[0].id}/edit",
        data={"csrf_token": token, "body": "一つ目の要請（改訂）", "cases": ""},
    )
    assert response.status_code == 302
    page = auth.client.get(f"/formal/{request_id}").get_data(as_text=True)
    assert (
        page.index("三つ目の要請") < page.index("一つ目の要請（改訂）") < page.index("二つ目の要請")
    )
    assert "（１）小項目です" in page

    # Every save is a revision; the revisions page shows what changed.
    request = session.get(FormalRequest, request_id)
    numbers = list(
        session.scalars(select(Revision.number).where(Revision.request_id == request_id))
    )
    assert numbers == list(range(1, request.revision + 1)) and request.revision == 8
    history = auth.client.get(f"/formal/{request_id}/revisions").get_data(as_text=True)
    assert "一つ目の要請（改訂）" in history and "Revision 8" in history
    first = auth.client.get(f"/formal/{request_id}/revisions/1").get_data(as_text=True)
    assert "一つ目の要請" not in first  # revision 1 had no items yet

    # Removing an item renumbers the rest; the revisions keep it.
    token = csrf_token(auth.client, f"/formal/{request_id}")
    auth.client.post(f"/formal/{request_id}/items/{items[1].id}/delete", data={"csrf_token": token})
    page = auth.client.get(f"/formal/{request_id}").get_data(as_text=True)
    assert "二つ目の要請" not in page.split("Proof of the document")[0]
    assert "二つ目の要請" in auth.client.get(f"/formal/{request_id}/revisions/8").get_data(
        as_text=True
    )


def test_parallel_saves_of_one_draft_get_their_own_revisions_and_places(app, people, session):
    """Review R2-17: six items added at the same moment (two colleagues, a double click) give
    six revisions numbered in turn and six distinct places, so "revision N" names one wording."""
    import threading

    from sqlalchemy.orm import Session

    from campaign.formal_requests import services
    from tests.formal_requests.factories import FormalFactory

    request = FormalFactory(session).request(people["drafter"], items=())
    request_id, drafter_id = request.id, people["drafter"].id
    first = session.scalar(
        select(func.max(Revision.number)).where(Revision.request_id == request_id)
    )
    engine = app.extensions["naishin.engine"]
    gate = threading.Barrier(6, timeout=60)
    errors: list[str] = []

    def add(n: int) -> None:
        try:
            with app.test_request_context(method="POST"), Session(engine) as db:
                formal, drafter = db.get(FormalRequest, request_id), db.get(User, drafter_id)
                db.commit()  # hold no transaction (nor SQLite's write lock) while waiting
                gate.wait()
                services.add_item(db, formal, drafter, body=f"項目{n}")
                db.commit()
        except Exception as error:  # reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = list(
        session.scalars(select(Revision.number).where(Revision.request_id == request_id))
    )
    assert sorted(numbers) == list(range(1, first + 7))
    positions = list(session.scalars(select(Item.position).where(Item.request_id == request_id)))
    assert len(set(positions)) == 6
