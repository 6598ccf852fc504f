"""No order of signing anywhere (review R4-5): a signature's id is random, SQLite's table (keyed
by it) is in no arrival order, and the 署名簿 lists each prefecture's signers by address and
name, numbered after that order; a PostgreSQL backup lists the rows by their random ids."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from campaign.petitions import services
from campaign.petitions.models import Signature
from tests.helpers import ON_POSTGRES

N = 30
FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺")
GIVEN = ("一郎", "二郎", "花子", "明美", "健太")


def _signers() -> list[tuple[str, str]]:
    """N Tokyo signers in the order they sign; block numbers in a scrambled order."""
    return [
        (f"{FAMILY[i % 6]} {GIVEN[i // 6]}", f"東京都千代田区霞が関{(i * 7) % N + 1}-1-2")
        for i in range(N)
    ]


def _rank_correlation(order: list[int]) -> float:
    """Spearman's rho of a permutation of 0..n-1 against 0..n-1."""
    n = len(order)
    return 1 - 6 * sum((i - r) ** 2 for i, r in enumerate(order)) / (n * (n * n - 1))


def _ranks(values: list[int]) -> list[int]:
    position = {v: r for r, v in enumerate(sorted(values))}
    return [position[v] for v in values]


@pytest.fixture
def signed(petitions, session):
    petition = petitions.opened()
    for name, address in _signers():
        petitions.sign(petition, name, address)
    by_hash = {}
    for name, address in _signers():
        keyed = services.hashes(services.signer_key(petition), name, address)
        by_hash[keyed.signer] = name
    rows = session.execute(select(Signature.signer_hash, Signature.id)).all()
    ids = {by_hash[h]: i for h, i in rows}
    return petition, [ids[name] for name, _ in _signers()]  # ids in signing order


def test_ids_are_random_and_the_table_holds_no_arrival_order(signed, session):
    _petition, ids = signed
    assert len(set(ids)) == N and all(0 < i < 2**62 for i in ids)
    assert sum(i > 2**40 for i in ids) > N // 2  # drawn from 62 bits, not counted up
    assert abs(_rank_correlation(_ranks(ids))) < 0.8
    # The table's own order (SQLite: the B-tree by id; what a file copy shows).
    stored = list(session.scalars(text("SELECT id FROM petition_signatures ORDER BY id")))
    arrival = {i: n for n, i in enumerate(ids)}
    assert abs(_rank_correlation([arrival[i] for i in stored])) < 0.8


def test_the_list_is_in_address_order_numbered_after_it(app, signed, session):
    petition, _ids = signed
    services.close_petition(session, petition)
    session.commit()
    with app.app_context():
        groups = services.signature_list(session, petition)
    assert [code for code, _ in groups] == ["13"]
    rows = groups[0][1]
    assert [number for number, _, _ in rows] == list(range(1, N + 1))
    blocks = [
        int(address.removeprefix("東京都千代田区霞が関").split("-")[0]) for _, _, address in rows
    ]
    assert blocks == list(range(1, N + 1))  # by address, its numbers as numbers (2 before 10)
    signing = {name: n for n, (name, _) in enumerate(_signers())}
    assert abs(_rank_correlation([signing[name] for _, name, _ in rows])) < 0.8


def test_one_address_lists_its_signers_by_name(app, petitions, session):
    petition = petitions.opened()
    for name in ("渡辺 花子", "伊藤 一郎", "佐藤 健太"):  # signed in this order
        petitions.sign(petition, name, "大阪府大阪市北区中之島1-3-20")
    services.close_petition(session, petition)
    session.commit()
    with app.app_context():
        ((_code, rows),) = services.signature_list(session, petition)
    names = [name for _, name, _ in rows]
    assert names == sorted(names, key=lambda n: n.replace(" ", ""))


def test_a_postgres_backup_lists_signatures_by_random_id(runner, signed, tmp_path):
    if not ON_POSTGRES:
        pytest.skip("SQLite's backup copies its pages: the rows are in the B-tree by id")
    import shutil

    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    dest = tmp_path / "b"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    lines = (dest / "survey_slots.copy").read_bytes().split(b"\n")
    start = lines.index(b"\\table petition_signatures") + 1
    copied = [int(line.split(b"\t")[0]) for line in lines[start : lines.index(b"\\end", start)]]
    _petition, ids = signed
    assert copied == sorted(ids)  # by id: random, not the heap's order of arrival
