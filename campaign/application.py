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

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """What Flask's gives, worked out once per function."""
        kept = self.__dict__.setdefault("_naishin_sync", {})
        try:
            return kept[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable: asked each time, as Flask does
            return super().ensure_sync(func)
        made = super().ensure_sync(func)
        if len(kept) < _KEPT_MAX:
            kept[func] = made
        return made
