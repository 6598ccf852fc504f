"""The one error of formal requests: a refused change, its message shown to the person."""


class FormalError(ValueError):
    """A refused change; the message is shown to the person."""
