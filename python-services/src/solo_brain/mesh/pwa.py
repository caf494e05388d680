"""The PWA's files, served the way an installed web app needs them.

    /sw.js, /index.html, /manifest.webmanifest   Cache-Control: no-cache (revalidated each time,
                                                 so an update reaches installed apps at once)
    /assets/*                                    content-hashed: cached for a year, immutable
    /icons/*, other files                        cached for a day
    /pair?code=…, /sessions/<id>, ...            client routes: answered with index.html
    /api/...                                     never shadowed (an unknown API path is a 404)

Text files are sent from the `.gz` the build wrote beside them when the client accepts gzip.

The folder is read per request, so a rebuild while the hub runs is served at once. Nothing
outside the folder is ever served (paths are resolved and checked), nor dotfiles or README.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from solo_brain.errors import NotFound

NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
A_DAY = "public, max-age=86400"
MEDIA_TYPES = {
    ".webmanifest": "application/manifest+json",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".woff2": "font/woff2",
}
ALWAYS_FRESH = {"sw.js", "index.html", "manifest.webmanifest"}
HIDDEN = {"README.md"}
# The app's own script and styles only; audio may come from the glue's public URL.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob: https: http:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


def mount_pwa(app: FastAPI, folder: Path) -> None:
    """Serve the built PWA in `folder` at `/`, after every other route of `app`."""

    async def serve(request: Request, path: str) -> Response:
        if path == "api" or path.startswith("api/"):
            raise NotFound(f"no route {request.method} /{path}")
        index = folder / "index.html"
        if not index.is_file():
            return JSONResponse(
                {
                    "error": {
                        "code": "pwa_not_built",
                        "message": "the PWA is not built: run scripts/bootstrap.sh "
                        "(npm ci and npm run build in python-services/pwa)",
                    }
                },
                status_code=404,
            )
        gzip = "gzip" in request.headers.get("accept-encoding", "")
        file = _file(folder, path)
        if file is not None:
            return _answer(file, path, gzip)
        if "." in path.rsplit("/", 1)[-1]:
            raise NotFound(f"no file /{path}")
        return _answer(index, "index.html", gzip)  # a client route such as /sessions/<id>

    app.add_api_route(
        "/{path:path}", serve, methods=["GET", "HEAD"], include_in_schema=False, name="pwa"
    )


def _file(folder: Path, path: str) -> Path | None:
    """The file `path` names inside `folder`, or None (missing, hidden, or outside it)."""
    if not path or path.endswith("/"):
        return None
    parts = path.split("/")
    if any(p.startswith(".") or p == "" for p in parts) or parts[-1] in HIDDEN:
        return None
    root = folder.resolve()
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _answer(file: Path, path: str, gzip: bool) -> Response:
    if path in ALWAYS_FRESH:
        cache = NO_CACHE
    elif path.startswith("assets/"):
        cache = IMMUTABLE
    else:
        cache = A_DAY
    headers = {
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if path == "index.html":
        headers["Content-Security-Policy"] = CSP
    if path == "sw.js":
        headers["Service-Worker-Allowed"] = "/"
    media_type = MEDIA_TYPES.get(file.suffix)
    # The build writes a .gz beside each text file: served as is, nothing compressed per request.
    packed = file.with_name(file.name + ".gz")
    if packed.is_file():
        headers["Vary"] = "Accept-Encoding"
        if gzip:
            headers["Content-Encoding"] = "gzip"
            return FileResponse(packed, media_type=media_type, headers=headers)
    return FileResponse(file, media_type=media_type, headers=headers)
