"""The case commands: seeding categories and the demo cases."""

from __future__ import annotations

from sqlalchemy import func, select

from campaign.cases.models import Case


def test_demo_cases_go_to_the_demo_branches_once(runner, session):
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["cases", "demo"])
    assert result.exit_code == 0, result.output
    assert "Added 6 example cases." in result.output
    assert "Added 0 example cases." in runner.invoke(args=["cases", "demo"]).output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Case)) == 6


def test_seed_is_idempotent(runner):
    assert "Added 0 categories." in runner.invoke(args=["cases", "seed"]).output
