"""Keeping the catalogs current: ``flask --app wsgi translations update``.

English is the source language of the messages, so the English catalog takes each new message
as it is; the Japanese catalog needs a person to translate what is new (the tests fail until
every message has both).
"""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from campaign.i18n import TRANSLATIONS

ROOT = TRANSLATIONS.parent
POT = TRANSLATIONS / "messages.pot"


def extract(target: Path = POT) -> Path:
    """Collect every message from the Python sources and templates into a template file."""
    CommandLineInterface().run(
        [
            "pybabel", "-q", "extract",
            "-F", str(TRANSLATIONS / "babel.cfg"),
            "-k", "_l", "-k", "lazy_gettext",
            "--no-location", "--omit-header", "--sort-output",
            "-o", str(target),
            "--ignore-dirs", ".* ._ node_modules instance tests benchmarks migrations",
            str(ROOT),
        ]
    )  # fmt: skip
    return target


def fill_english(po_path: Path) -> int:
    """Give every untranslated English message its own text; return how many were filled."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        plural = isinstance(message.id, tuple)
        if message.id and not (all(message.string) if plural else message.string):
            message.string = message.id  # singular and plural forms alike
            filled += 1
        if message.id and message.fuzzy:
            message.flags.discard("fuzzy")
    with po_path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
    return filled


def apply_translations(
    po_path: Path, translations: dict, locale: str = "ja", overwrite: bool = False
) -> int:
    """Fill a catalog from ``{msgid: msgstr}`` (a list of forms for plural messages).

    Only empty or fuzzy entries are filled, so that a person's later corrections stand, unless
    ``overwrite`` says the file holds corrections of its own.
    """
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    applied = 0
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if not key or key not in translations:
            continue
        done = all(message.string) if isinstance(message.id, tuple) else bool(message.string)
        if done and not message.fuzzy and not overwrite:
            continue
        value = translations[key]
        message.string = tuple(value) if isinstance(message.id, tuple) else value
        message.flags.discard("fuzzy")
        applied += 1
    with po_path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
    return applied


translations_cli = click.Group("translations", help="Keep the message catalogs current.")


@translations_cli.command("update")
def update_command() -> None:
    """Extract messages, merge them into the ja and en catalogs, fill English from the source."""
    extract()
    for lang in ("ja", "en"):
        po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        args = ["pybabel", "-q"]
        if po_path.exists():
            args += ["update", "--no-fuzzy-matching", "--ignore-obsolete"]
        else:
            args += ["init"]
        args += ["-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang, "-w", "100"]
        CommandLineInterface().run(args)
    filled = fill_english(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    click.echo(f"Catalogs updated; {filled} new English messages taken from the source.")


@translations_cli.command("apply")
@click.argument("json_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", default="ja", show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace translations already present.")
def apply_command(json_file: Path, lang: str, overwrite: bool) -> None:
    """Fill untranslated messages from a JSON object ``{msgid: msgstr}``."""
    import json

    translations = json.loads(json_file.read_text(encoding="utf-8"))
    po_path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    click.echo(f"{apply_translations(po_path, translations, lang, overwrite)} messages filled.")
