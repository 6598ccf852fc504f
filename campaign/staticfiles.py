"""Static files served by WhiteNoise: precompressed (Brotli, gzip), hashed names cached a year.

Each file under ``campaign/static`` is also reachable under a name carrying a hash of its
content (``css/site.3f2a1b9c04d1.css``); ``url_for("static", ...)`` hands out that name, which
WhiteNoise serves with ``Cache-Control: max-age=31536000, public, immutable``: a changed file
gets a new name, so a year in the cache is never stale. The plain names stay, for a minute.

``flask --app wsgi static build`` (run by ``init``) copies the files into
``instance/static-build`` with a ``.br`` and a ``.gz`` beside each, which WhiteNoise sends to
browsers that accept them. Until a build matches the files (its manifest holds their hashes),
they are served from the source folder, uncompressed. Pages themselves are not served from
here: the survey answer page keeps its deliberate ``no-store``.

A feature can add a file that lives outside the static folder (a package's build, never
committed) with ``add_file("surveys/sodium/libsodium.js", path)`` at import: it is then served,
hashed, built and cached exactly like the others (the answer page's libsodium, review R4-17).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

BUILD = "static-build"
MANIFEST = "naishin-manifest.json"
YEAR = 365 * 24 * 3600
static_cli = AppGroup("static", help="Static files: precompress them for serving.")
_ADDED: dict[str, Path] = {}


def add_file(name: str, path: Path) -> None:
    """Serve ``path`` (outside the static folder) as the static file ``name``; a missing file
    is left out (then its address answers 404, as any unknown static file)."""
    _ADDED[name] = Path(path)


def _files(source: Path) -> dict[str, Path]:
    """Each static file's name (relative, with slashes) and where it is read from."""
    files = {
        path.relative_to(source).as_posix(): path
        for path in sorted(source.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }
    files.update((name, path) for name, path in sorted(_ADDED.items()) if path.is_file())
    return files


def _hashes(source: Path) -> dict[str, str]:
    """Each file's name and the first 12 hex digits of its SHA-256."""
    return {
        name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for name, path in _files(source).items()
    }


def hashed_name(name: str, digest: str) -> str:
    """``css/site.css`` → ``css/site.<digest>.css``."""
    folder, _, base = name.rpartition("/")
    stem, dot, extension = base.rpartition(".")
    hashed = f"{stem}.{digest}.{extension}" if dot else f"{base}.{digest}"
    return f"{folder}/{hashed}" if folder else hashed


def build(source: Path, target: Path, progress=None) -> int:
    """Copy the files into ``target`` with Brotli and gzip variants; return how many."""
    files = _files(source)
    hashes = _hashes(source)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    compressor = Compressor(quiet=True)
    for name in progress(hashes) if progress else hashes:
        copy = target / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(files[name], copy)
        if compressor.should_compress(str(copy)):
            for _written in compressor.compress(str(copy)):
                pass
    (target / MANIFEST).write_text(json.dumps(hashes, indent=1))
    return len(hashes)


def _served_from(source: Path, built: Path, hashes: dict[str, str]) -> Path:
    """The build folder if it holds exactly the current files, else the source folder."""
    try:
        if json.loads((built / MANIFEST).read_text()) == hashes:
            return built
    except (OSError, ValueError):
        pass
    return source


def _headers_for(immutable: set[str]):
    from campaign.security import HEADERS

    def add(headers, _path: str, url: str) -> None:
        for name, value in HEADERS.items():  # the same protective headers as every page
            headers[name] = value
        if url in immutable:  # WhiteNoise says ten years; a year is what caches honour
            headers["Cache-Control"] = f"max-age={YEAR}, public, immutable"

    return add


def init_app(app: Flask) -> None:
    """Put WhiteNoise in front of the app and make ``url_for("static")`` give hashed names."""
    source = Path(app.static_folder)
    hashes = _hashes(source)
    root = _served_from(source, Path(app.instance_path) / BUILD, hashes)
    names = {name: hashed_name(name, digest) for name, digest in hashes.items()}
    prefix = app.static_url_path.rstrip("/") + "/"
    immutable = {prefix + hashed for hashed in names.values()}
    whitenoise = WhiteNoise(
        app.wsgi_app,
        root=str(root),
        prefix=prefix,
        max_age=60,
        allow_all_origins=False,
        add_headers_function=_headers_for(immutable),
        immutable_file_test=lambda _path, url: url in immutable,
    )
    files = _files(source) if root == source else {name: root / name for name in hashes}
    for name, hashed in names.items():
        whitenoise.add_file_to_dictionary(prefix + hashed, str(files[name]))
        if name in _ADDED and root == source:  # not under the root WhiteNoise has scanned
            whitenoise.add_file_to_dictionary(prefix + name, str(files[name]))
    app.wsgi_app = whitenoise
    app.extensions["naishin.static_root"] = root

    @app.url_defaults
    def _hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and values.get("filename") in names:
            values["filename"] = names[values["filename"]]

    app.cli.add_command(static_cli)


@static_cli.command("build")
@with_appcontext
def build_command() -> None:
    """Copy and precompress the static files into the instance folder (restart to serve)."""
    from flask import current_app

    source, target = Path(current_app.static_folder), Path(current_app.instance_path) / BUILD
    with click.progressbar(list(_hashes(source)), label="Compressing static files") as bar:
        count = build(source, target, progress=lambda _names: bar)
    click.echo(f"{count} static files compressed into {target}.")
