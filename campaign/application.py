"""The app's Flask class: Flask, with one answer a function to "is it a coroutine?"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

_KEPT_MAX = 4096  # functions: views and hooks, a few hundred here


class Application(Flask):
    """Flask asks ``inspect`` whether each view and each before, after and teardown hook is an
    ``async def`` function on every request (18 times for an answer to a survey, about 40 µs),
    and the answer never changes for a function: it is kept after the first time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """What Flask's gives, worked out once per function."""
        try:
            return self._sync[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable: asked each time, as Flask does
            return super().ensure_sync(func)
        made = super().ensure_sync(func)
        if len(self._sync) < _KEPT_MAX:
            self._sync[func] = made
        return made
