"""The browser playground: one static page at ``GET /``, its assets under ``/playground/``.

The files are function/playground/static/ (``editor.js`` is the generated CodeMirror bundle,
see editor/build.sh), read once at start-up. Asset URLs carry a hash of all the assets
(``/playground/<hash>/playground.js``), so that they can be cached for good and a new
version is a new URL (no ETag, no revalidation); the page itself is never cached, since each
answer has a style nonce of its own (CodeMirror adds a style element, which the policy admits
by that nonce). Every answer is gzipped for a client that takes it, and carries a
Content-Security-Policy that allows only this origin's scripts and styles (no inline script),
``nosniff``, and no framing. ``PYEXEC_PLAYGROUND=off`` turns it all off: its paths are then
404.
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from api.response import Response

STATIC = Path(__file__).resolve().parent.parent / "playground" / "static"
PAGE = "index.html"
PREFIX = "/playground/"
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
#: fetch() may reach another deployment (the page's endpoint field); everything else is ours.
#: The page's own answer adds a nonce to style-src, for the style element CodeMirror makes.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' https: http:; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class _File:
    plain: bytes
    gzipped: bytes
    content_type: str


class Playground:
    def __init__(self, static: Path = STATIC) -> None:
        assets = sorted(p for p in static.iterdir() if p.is_file() and p.name != PAGE)
        digest = hashlib.sha256()
        for path in assets:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        self.version = digest.hexdigest()[:16]
        self.prefix = f"{PREFIX}{self.version}/"
        self._assets = {f"{self.prefix}{p.name}": _file(p.suffix, p.read_bytes()) for p in assets}
        self._page = (static / PAGE).read_text().replace("{{assets}}", self.prefix.rstrip("/"))

    @staticmethod
    def owns(path: str) -> bool:
        """Whether a path is the playground's (its own 404 when it is off or unknown)."""
        return path == "/" or path.startswith(PREFIX)

    def serve(self, path: str, headers: Mapping[str, str]) -> Response | None:
        """The page or an asset, or None for a path that is none of them."""
        if path == "/":
            # A nonce of its own for each answer, so the page itself is never cached.
            nonce = secrets.token_urlsafe(18)
            page = _file(".html", self._page.replace("{{nonce}}", nonce).encode())
            policy = POLICY.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")
            common = {**SECURITY_HEADERS, "Content-Security-Policy": policy,
                      "Cache-Control": "no-store"}  # fmt: skip
            return _answer(page, common, headers)
        file = self._assets.get(path)
        if file is None:
            return None
        # The URL changes with the content: no revalidation is ever needed.
        common = {**SECURITY_HEADERS, "Content-Security-Policy": POLICY,
                  "Cache-Control": "public, max-age=31536000, immutable"}  # fmt: skip
        return _answer(file, common, headers)


def _answer(file: _File, common: dict[str, str], headers: Mapping[str, str]) -> Response:
    common = {**common, "Vary": "Accept-Encoding"}
    if _takes_gzip(headers.get("accept-encoding", "")):
        return Response(200, {}, {**common, "Content-Encoding": "gzip"},
                        raw=file.gzipped, content_type=file.content_type)  # fmt: skip
    return Response(200, {}, common, raw=file.plain, content_type=file.content_type)


def _takes_gzip(accept_encoding: str) -> bool:
    """Whether Accept-Encoding takes gzip (named, or *, with a quality above 0)."""
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def _file(suffix: str, data: bytes) -> _File:
    content_type = TYPES.get(suffix, "application/octet-stream")
    return _File(data, gzip.compress(data, 9, mtime=0), content_type)
