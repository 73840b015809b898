"""``designer run``: serve the app with Flask's development server.

The embedded way to run the designer (DESIGN.md §7); production uses
``gunicorn "designer.web:create_app()"``.  Threaded, so that websockets and
the simulator's callbacks to this same server are served while a request
waits.  Settings come from ``DESIGNER_*`` environment variables.
"""

from __future__ import annotations

from typing import Any

import click


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="interface to listen on")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--debug", is_flag=True, help="reload on code changes, show debugger pages")
def run(host: str, port: int, debug: bool) -> None:
    """Serve the designer (editor, API and Sinch callbacks) on HOST:PORT."""
    from designer.web import create_app
    from designer.web.access import describe

    app = create_app({"BIND_HOST": host})  # login is required unless HOST is loopback
    click.echo(f"designer: serving http://{host}:{port}/ (database {_safe_url(app)})", err=True)
    click.echo(f"designer: {describe(app)}", err=True)
    app.run(host=host, port=port, debug=debug, threaded=True, use_reloader=debug)


def _safe_url(app: Any) -> str:
    """The database URL without its password, for the start-up line."""
    from designer.storage.engine import redact

    url = app.config.get("DATABASE_URL")
    return redact(url) if url else "the configured repository"
