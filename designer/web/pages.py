"""The browser pages: the flow list (``/``), the editor (``/flows/<id>``), the call log
and the API reference (``/api-docs``, drawn from ``/api/openapi.json``).

Each page is a small server-rendered shell (Jinja, autoescaped) that loads the
editor bundle built from ``static/src`` into ``static/dist`` (``make editor``);
the bundle then talks to the REST API.  Nothing user-supplied is ever marked
safe: ids and names reach the page only through escaped attributes and text,
and the page policy of ``designer.web.headers`` lets no inline script run.

The bundle is served under ``/assets/`` (Flask's own ``/static/`` belongs to
the app).  When it has not been built, every page answers 503 with a page
saying how to build it, rather than a blank screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
)

from designer.errors import NotFound
from designer.web.extensions import designer_state

bp = Blueprint("pages", __name__, template_folder="templates")

# static/dist of the source checkout (the package is installed editable).
DEFAULT_DIST = Path(__file__).resolve().parents[2] / "static" / "dist"
BUNDLE_FILES = ("editor.js", "editor.css")
YEAR = 365 * 24 * 3600


def dist_dir() -> Path:
    """Where the built bundle is: ``EDITOR_DIST`` from the config, else ``static/dist``."""
    configured = current_app.config.get("EDITOR_DIST")
    return Path(configured) if configured else DEFAULT_DIST


def bundle_version() -> str | None:
    """A version tag for cache busting (the bundle's mtime), or None when it is not built."""
    folder = dist_dir()
    try:
        return str(max(int((folder / name).stat().st_mtime) for name in BUNDLE_FILES))
    except OSError:
        return None


def _page(template: str, status: int = 200, **context: Any) -> Response | tuple[str, int]:
    version = bundle_version()
    if version is None:
        body = render_template("pages/bundle_missing.html", dist=str(dist_dir()))
        return body, 503
    return render_template(template, version=version, **context), status


def not_found(path: str) -> Response | tuple[str, int]:
    """The page a browser gets for an address nothing serves (APIs answer JSON instead)."""
    return _page("pages/not_found.html", status=404, path=path, active=None)


@bp.after_request
def _page_headers(response: Response) -> Response:
    # Pages carry the CSRF token and the signed-in user: never cached.  The
    # security headers (CSP and the rest) are set for every response in one
    # place, ``designer.web.headers``.
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/")
def flows() -> Any:
    return _page("pages/flows.html", active="flows")


@bp.get("/flows/<flow_id>")
def editor(flow_id: str) -> Any:
    try:
        record = designer_state().repo.get_flow(flow_id)
    except NotFound:
        return _page("pages/flow_missing.html", status=404, flow_id=flow_id, active="flows")
    return _page(
        "pages/editor.html",
        flow_id=record.id,
        flow_name=record.name,
        # where Sinch must send callbacks (the Connect dialog); else the page's origin
        public_url=current_app.config.get("PUBLIC_URL"),
        active="flows",
    )


@bp.get("/calls")
def calls() -> Any:
    return _page("pages/calls.html", active="calls")


@bp.get("/api-docs")
def api_docs() -> Any:
    # A page for people; /api/openapi.json stays the description for tools.
    return _page("pages/api.html", active="api")


@bp.get("/assets/<path:filename>")
def assets(filename: str) -> Response:
    """The built bundle; long-lived caching when the URL carries its version."""
    folder = dist_dir()
    if not folder.is_dir():
        abort(404)
    max_age = YEAR if request.args.get("v") else 0
    return send_from_directory(folder, filename, max_age=max_age)
