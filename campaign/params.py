"""Numbers from outside (URL path ids, query arguments), parsed so that bad ones are refused.

``str.isdigit()`` accepts superscripts (``"²"``) that ``int()`` then rejects, and ``int()`` itself
accepts full-width and other Unicode digits and values no database column holds. Everything that
turns request text into a number goes through this module instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask import request
from werkzeug.routing import IntegerConverter, ValidationError

# Ids are ``INTEGER`` columns: PostgreSQL holds 32 signed bits there (SQLite 64).
MAX_ID = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_int(text: str | None, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The number written in ASCII digits, if it lies in [minimum, maximum]; otherwise None."""
    if text is None or not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def int_arg(name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_ID):
    """A query-string argument as a number, or ``default`` when it is absent or not one."""
    value = parse_int(request.args.get(name), minimum=minimum, maximum=maximum)
    return default if value is None else value


def page_arg(pages: int | None = None, name: str = "page") -> int:
    """The page asked for: 1 unless a valid page number is given, never past ``pages``."""
    page = int_arg(name, 1, minimum=1, maximum=100_000)
    return min(page, pages) if pages else page


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits only, and only what an id column can hold.

    A larger number would reach the database and fail there (SQLite cannot bind it; PostgreSQL
    refuses it as out of range), a 500 instead of the 404 such a record deserves.
    """

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        """Refuse (404) what the column cannot hold, before any query."""
        number = parse_int(value, minimum=self.min if self.min is not None else 0)
        if number is None or (self.max is not None and number > self.max):
            raise ValidationError()
        return number


def known_args(args: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """The non-empty query arguments among ``names``, for building a link (a pager's).

    Only names the page itself defines travel on: a query argument such as ``_method`` or
    ``endpoint`` would otherwise reach ``url_for`` as one of its own keywords.
    """
    return {name: args[name] for name in names if args.get(name)}


def init_app(app) -> None:
    """Make the id converter the app's ``int`` (and name it ``id``), before routes are added."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["id"] = IdConverter
