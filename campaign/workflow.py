"""One state-machine style for every feature whose records move through states.

How a feature uses it: name the states (plain strings or a ``StrEnum``), list which may follow
which, and ask the machine; who may make a move stays the feature's rule, next to its data::

    from campaign.workflow import StateMachine

    WORKFLOW = StateMachine({DRAFT: (REPORTED,), REPORTED: (REVIEWING, WITHDRAWN), ...},
                            labels={DRAFT: _l("Draft"), ...})
    WORKFLOW.targets(case.state)          # what may follow, in the table's order
    WORKFLOW.check(case.state, target)    # raises IllegalTransition if the table forbids it

Cases (``campaign/cases/vocab.py``) use it; surveys and the features to come should too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class IllegalTransition(ValueError):
    """The table does not allow this change of state."""


class StateMachine:
    """The allowed changes of state: ``transitions[source]`` lists the states that may follow."""

    def __init__(
        self, transitions: Mapping[str, Iterable[str]], labels: Mapping[str, object] | None = None
    ) -> None:
        self.transitions = {state: tuple(targets) for state, targets in transitions.items()}
        self.labels = dict(labels or {state: state for state in self.transitions})
        unknown = {t for ts in self.transitions.values() for t in ts} - set(self.transitions)
        if unknown or set(self.labels) != set(self.transitions):
            raise ValueError(f"states without a row or a label: {sorted(unknown)}")

    @property
    def states(self) -> tuple[str, ...]:
        """Every state, in the table's order."""
        return tuple(self.transitions)

    def targets(self, source: str) -> tuple[str, ...]:
        """The states that may follow ``source``."""
        return self.transitions[source]

    def can(self, source: str, target: str) -> bool:
        """Whether the table allows ``source`` → ``target``."""
        return target in self.transitions.get(source, ())

    def check(self, source: str, target: str) -> None:
        """Raise ``IllegalTransition`` unless the table allows the move."""
        if not self.can(source, target):
            raise IllegalTransition(f"{source} → {target} is not allowed")
