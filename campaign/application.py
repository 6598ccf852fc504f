"""The app's Flask class: Flask, with one answer a function to "is it a coroutine?", and no
staff hooks on a cookieless page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request

from campaign.access import is_cookieless_endpoint

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

    def preprocess_request(self) -> Any:
        """Flask's; but on a cookieless page (campaign/access.py) the before-request hooks
        marked ``staff_only`` are not called.

        Those hooks look for a staff member, a session, a staff form or an upload, and a
        cookieless page (a survey answer, a signature) has none of them: each returned at once
        there, and together they cost about 25 µs of every answer. ``check_cookieless_views``
        makes sure that no cookieless view takes a post that the CSRF hook would have had to
        check."""
        if not is_cookieless_endpoint(request.endpoint):
            return super().preprocess_request()
        names = (None, *reversed(request.blueprints))
        for name in names:
            for url_func in self.url_value_preprocessors.get(name, ()):
                url_func(request.endpoint, request.view_args)
        for name in names:
            for hook in self.before_request_funcs.get(name, ()):
                if getattr(hook, "staff_only", False):
                    continue
                answer = self.ensure_sync(hook)()
                if answer is not None:
                    return answer
        return None

    def check_cookieless_views(self) -> None:
        """Refuse to start if a cookieless view takes posts without being exempt from the
        session's CSRF check (``publicforms.public_form`` exempts it and gives it a form token
        of its own): that check is skipped there, and could not work there anyway (it reads the
        session, which a cookieless page never opens)."""
        for rule in self.url_map.iter_rules():
            view = self.view_functions.get(rule.endpoint)
            if (
                getattr(view, "is_cookieless", False)
                and (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
                and not getattr(view, "csrf_exempt", False)
            ):
                raise RuntimeError(f"cookieless view {rule.endpoint} takes posts without a token")
