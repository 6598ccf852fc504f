"""Anonymisation (SECURITY.md promise 9): the signers' names, addresses and emails are in no
byte of the database files and their logs, before anonymisation (they are sealed under the
petition's key, sealing.py) as after it; and after it, not even their ciphertext or the
petition's wrapped key is left in the tables' files (retention.py). The counts remain.

On SQLite the scan reads the database file and its WAL. On PostgreSQL it reads the petition
tables' files (heap, indexes, TOAST, after a CHECKPOINT), every WAL segment written during the
test, and the server's log, which needs a process that may read the data directory (CI's, as
root); elsewhere those tests skip.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from campaign.audit import services as audit
from campaign.audit.models import AuditEntry, AuditNote
from campaign.petitions import retention, services
from campaign.petitions.models import PaperBatch, Petition, PublishedDay, Signature, State
from tests.helpers import ON_POSTGRES

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
TABLES = ("petition_signatures", "petitions")


def unique_name() -> str:
    """A name no other test writes: ten random katakana after a surname."""
    return "試験" + "".join(secrets.choice(KANA) for _ in range(10))


class Scan:
    """The raw bytes of the database's files, by part: ``tables`` (SQLite: the database file;
    PostgreSQL: the petition tables' files), ``log`` (SQLite: the WAL; PostgreSQL: the WAL
    segments written since the scan was made, and the server's log)."""

    def __init__(self, app, session, tables: tuple[str, ...] = TABLES) -> None:
        self.app, self.session, self.started = app, session, time.time() - 1
        self.tables = tables

    def parts(self) -> dict[str, bytes]:
        """Read every part now (on PostgreSQL this ends the session's transaction)."""
        if not ON_POSTGRES:
            path = Path(self.app.config["DATABASE_URL"].removeprefix("sqlite:///"))
            log = b"".join(
                p.read_bytes() for p in (Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()
            )
            return {"tables": path.read_bytes(), "log": log}
        self.session.commit()
        self.session.execute(text("CHECKPOINT"))  # shared buffers written to the files first
        directory = Path(self.session.execute(text("SHOW data_directory")).scalar())
        relations = self.session.execute(
            text(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.relname = ANY(:n) "
                "OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN pg_class t "
                "ON t.oid = i.indrelid WHERE t.relname = ANY(:n)) "
                "OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE relname = ANY(:n))"
            ),
            {"n": list(self.tables)},
        ).scalars()
        relatives = [r for r in relations if r]
        self.session.commit()
        try:
            tables = b"".join(
                path.read_bytes()
                for relative in relatives
                for path in sorted(directory.glob(relative + "*"))
            )
            wal = b"".join(
                path.read_bytes()
                for path in sorted((directory / "pg_wal").iterdir())
                if path.is_file() and path.stat().st_mtime >= self.started
            )
            logs = [*directory.glob("log/*"), *Path("/var/log/postgresql").glob("*.log")]
            server_log = b"".join(p.read_bytes() for p in logs if p.is_file())
        except PermissionError:
            pytest.skip("the PostgreSQL data directory is not readable by this process")
        assert wal, "no WAL segment was written during the test"
        return {"tables": tables, "log": wal + server_log}


def assert_nowhere(parts: dict[str, bytes], markers: list[str]) -> None:
    """No marker in any part, in UTF-8 or UTF-16."""
    for part, content in parts.items():
        for marker in markers:
            assert marker.encode() not in content, (part, marker)
            assert marker.encode("utf-16-le") not in content, (part, marker)


def sign_many(petitions, session, petition, count: int = 30) -> list[str]:
    """Signatures (a third with an email kept for news, confirmed); their names, towns and
    emails, which must never be found."""
    markers = []
    for n in range(count):
        name, town = unique_name(), unique_name()
        email = f"signer{secrets.token_hex(6)}@example.org" if n % 3 == 0 else None
        signed = petitions.sign(
            petition, name, f"東京都{town}市本町{n + 1}-2-3", email=email, wants_news=True
        )
        if signed.token:
            assert services.confirm(session, signed.token) == "confirmed"
            session.commit()
        markers += [name, town] + ([email] if email else [])
    return markers


def sealed_of(session, petition_id: int) -> tuple[list[bytes], bytes]:
    """The ciphertexts of a petition's signatures and its wrapped key, as stored."""
    sealed = list(
        session.scalars(select(Signature.sealed).where(Signature.petition_id == petition_id))
    )
    key = session.scalar(select(Petition.sealed_key).where(Petition.id == petition_id))
    session.commit()
    return [bytes(s) for s in sealed], bytes(key)


def test_never_in_the_clear_and_gone_after_anonymise(app, petitions, session, runner, clock):
    scan = Scan(app, session)
    petition = petitions.opened(closes_on=services.today())
    kept = petitions.opened(closes_on=services.today() + timedelta(days=365))
    markers = sign_many(petitions, session, petition)
    keep_name = unique_name()
    petitions.sign(kept, keep_name, "滋賀県大津市京町4-1-1")
    petition_id, kept_id = petition.id, kept.id
    ciphertexts, wrapped_key = sealed_of(session, petition_id)
    [kept_ciphertext], _ = sealed_of(session, kept_id)

    before = scan.parts()
    assert_nowhere(before, [*markers, keep_name])  # never written in the clear
    # The scan reads the right bytes: the ciphertext and the wrapped key are there. (On
    # PostgreSQL not necessarily in the WAL as well: the server, shared with other databases,
    # may have recycled and overwritten that segment by now.)
    everything = before["tables"] + before["log"]
    assert all(c in everything for c in ciphertexts) and wrapped_key in everything
    if ON_POSTGRES:
        assert all(c in before["tables"] for c in ciphertexts), "not in the table files"

    petition = session.get(Petition, petition_id)
    clock.advance(days=1)
    services.close_if_due(session, petition)
    services.submit(session, petition, submitted_on=services.today(), submitted_to="総務大臣")
    session.commit()
    clock.advance(days=30)
    session.close()
    result = runner.invoke(args=["petitions", "anonymise"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 1 petitions." in result.output
    assert "Deleting signers' data" in result.output  # the progress bar

    done = session.get(Petition, petition_id)
    assert done.state == State.ANONYMISED and done.sealed_key is None
    assert services.counts(session, done).online == 30
    assert session.scalar(select(func.count()).where(Signature.petition_id == petition_id)) == 0
    after = scan.parts()
    assert_nowhere(after, [*markers, keep_name])
    # Crypto-shredded and scrubbed: neither the ciphertext nor the key that opened it is left
    # in the tables' files (SQLite: nor in its WAL, which is truncated).
    scrubbed = after["tables"] if ON_POSTGRES else after["tables"] + after["log"]
    assert wrapped_key not in scrubbed
    for ciphertext in ciphertexts:
        assert ciphertext not in scrubbed
    # PostgreSQL's WAL segments may still hold the ciphertext and the wrapped key until they
    # are recycled (retention.py): never a name, and nothing anyone can open without the data
    # key, and nothing at all once the segments are overwritten.
    assert kept_ciphertext in after["tables"]  # the open petition's signer is still there


def test_hq_anonymises_early_with_the_button(app, petitions, session, auth, make):
    from campaign.auth.models import Role
    from tests.helpers import csrf_token

    scan = Scan(app, session)
    petition = petitions.opened()
    markers = sign_many(petitions, session, petition, count=3)
    services.close_petition(session, petition)
    session.commit()
    petition_id = petition.id
    ciphertexts, wrapped_key = sealed_of(session, petition_id)
    session.close()
    auth.login(make.user(role=Role.HQ))
    token = csrf_token(auth.client, f"/petitions/manage/{petition_id}")
    session.close()
    response = auth.client.post(
        f"/petitions/manage/{petition_id}/anonymise", data={"csrf_token": token, "confirm": "y"}
    )
    assert response.status_code == 302
    assert session.get(Petition, petition_id).state == State.ANONYMISED
    after = scan.parts()
    assert_nowhere(after, markers)
    scrubbed = after["tables"] if ON_POSTGRES else after["tables"] + after["log"]
    assert wrapped_key not in scrubbed
    assert not any(c in scrubbed for c in ciphertexts)


def test_paper_notes_and_correction_reasons_are_gone_after_anonymise(
    app, petitions, session, runner, clock, make
):
    """Review R7b-5: a batch's note (「山田花子さん（保育課）が集めた分」) and the reason typed for
    its correction are free text in the clear, where an officer names who collected or signed
    the sheets; anonymisation blanks the notes, deletes the reasons (the audit entries
    stay, and verify) and the file scrub removes them from the files. The published figures
    stay: rounded counts only."""
    scan = Scan(app, session, tables=retention.TABLES)
    petition = petitions.opened(closes_on=services.today())
    officer = make.user(branch=make.branch(prefecture="13"))
    note, corrected, reason = unique_name(), unique_name(), unique_name()
    batch = petitions.batch(petition, officer, officer.branch, 12, 3, note=f"{note}さんが集めた分")
    session.commit()
    services.correct_batch(
        session, batch, received_on=batch.received_on, signatures=13, sheets=3,
        note=f"{corrected}さんの分", reason=f"{reason}さんの申し出",
    )  # fmt: skip
    session.commit()
    markers = [note, corrected, reason]
    before = scan.parts()
    assert all(m.encode() in before["tables"] + before["log"] for m in [corrected, reason])
    petition_id, batch_id = petition.id, batch.id
    clock.advance(days=1)
    services.close_if_due(session, session.get(Petition, petition_id))
    session.commit()
    shown = services.public_progress(session, session.get(Petition, petition_id))
    clock.advance(days=91)  # never submitted: deleted 90 days after the close
    session.close()
    result = runner.invoke(args=["petitions", "anonymise"])
    assert result.exit_code == 0, result.output
    done = session.get(Petition, petition_id)
    assert done.state == State.ANONYMISED
    assert session.scalars(select(PaperBatch.note).where(PaperBatch.id == batch_id)).all() == [""]
    about = select(AuditEntry.seq).where(
        AuditEntry.object_kind == "paper_batch", AuditEntry.object_id == str(batch_id)
    )
    assert session.scalar(select(func.count()).where(AuditNote.seq.in_(about))) == 0
    assert not audit.verify(session)[2]  # the deletion is sealed in the chain (forget_notes)
    assert services.counts(session, done).paper == 13  # the numbers stay
    kept = services.public_progress(session, done)  # of a later day (paper adds after the close)
    assert (kept.total, kept.step, kept.final) == (shown.total, shown.step, shown.final)
    assert session.scalar(select(func.count()).where(PublishedDay.petition_id == petition_id))
    after = scan.parts()
    # SQLite: the file and its WAL (truncated). PostgreSQL: the tables' files; its WAL segments
    # keep the texts until they are recycled (retention.py).
    assert_nowhere({"tables": after["tables"]} if ON_POSTGRES else after, markers)


def test_the_batch_form_says_the_note_is_deleted_with_the_signers_data(auth, make, petitions):
    petition = petitions.opened()
    auth.login(make.user(branch=make.branch(prefecture="13")))
    page = auth.client.get(f"/petitions/manage/{petition.id}").get_data(as_text=True)
    assert "Deleted with the signers' data. Do not write names" in page
