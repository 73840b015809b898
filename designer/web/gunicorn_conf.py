"""Gunicorn settings for production: ``gunicorn -c python:designer.web.gunicorn_conf``.

Start it as::

    gunicorn -c python:designer.web.gunicorn_conf "designer.web:create_app()"

Each value can be changed without editing this file, through the variable
named beside it (or gunicorn's own flags, which win over a config file).
Why these values:

- ``gthread`` workers: a websocket (live traces on the canvas and in
  notebooks) occupies a thread for as long as it is open, so each worker
  has many threads (``DESIGNER_THREADS``, 32); callbacks and API requests
  share the rest.  Workers (``DESIGNER_WORKERS``, 2) are processes: with
  more than one, set ``DESIGNER_REDIS_URL`` so traces reach every worker,
  and use PostgreSQL (``DESIGNER_DATABASE_URL``).
- ``timeout`` 30 s: a worker that stops answering its heartbeat for that
  long is restarted; websockets do not block the heartbeat in gthread.
- ``graceful_timeout`` 20 s on restart or shutdown: in-flight callbacks
  finish (Sinch waits 5 s at most); open websockets are then closed and the
  browsers reconnect to the new workers.
- ``worker_tmp_dir`` ``/dev/shm``: the heartbeat file lives in memory, so a
  slow or full disk cannot make gunicorn think workers are dead.
- the access log has the proxy's X-Forwarded-For (the real client behind
  nginx) and the request time, and leaves query strings out.
- ``forwarded_allow_ips``: only the local reverse proxy may set the
  X-Forwarded-* headers gunicorn itself reads; the app's own trust of them
  is ``DESIGNER_TRUSTED_PROXIES``.
- no ``preload_app``: each worker opens its own database pool and Redis
  connections after the fork.
- graceful stop (``post_worker_init``, ``worker_exit``; see
  ``designer.web.lifecycle``): on SIGTERM a worker stops accepting, the
  callbacks in flight get their answers, open trace websockets are closed
  with 1001 within a second (instead of holding the worker until
  ``graceful_timeout``), and queued trace events are flushed to Redis
  before the process exits.

Login is required under gunicorn unless ``DESIGNER_AUTH=off`` (see
docs/deployment.md): it usually sits behind nginx on a loopback address,
so the bind address says nothing about who can reach it.
"""

from __future__ import annotations

import os
import signal
from typing import Any


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a positive whole number, got {raw!r}")
    return int(raw)


bind = os.environ.get("DESIGNER_BIND", "127.0.0.1:8000")
workers = _int("DESIGNER_WORKERS", 2)
worker_class = "gthread"
threads = _int("DESIGNER_THREADS", 32)
timeout = _int("DESIGNER_WORKER_TIMEOUT", 30)
graceful_timeout = _int("DESIGNER_GRACEFUL_TIMEOUT", 20)
keepalive = 5
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = os.environ.get("DESIGNER_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("DESIGNER_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("DESIGNER_LOG_LEVEL", "info")
# peer, forwarded-for, time, request (path only), status, bytes, duration (s), referrer, agent
access_log_format = (
    '%(h)s %({x-forwarded-for}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss "%(f)s" "%(a)s"'
)

# Request line and header sizes: gunicorn's defaults, stated so they are deliberate.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190


# --- graceful stop (designer.web.lifecycle) ---------------------------------------------


def post_worker_init(worker: Any) -> None:
    """Chain the app's "stopping" flag onto the worker's SIGTERM handler."""
    from designer.web.lifecycle import begin_shutdown

    gunicorn_handler = worker.handle_exit

    def handle_exit(sig: int, frame: Any) -> None:
        gunicorn_handler(sig, frame)  # stop accepting; finish the requests in flight
        begin_shutdown(worker.wsgi)  # trace websockets close themselves

    signal.signal(signal.SIGTERM, handle_exit)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn: no EINTR in active requests


def worker_exit(server: Any, worker: Any) -> None:
    """Flush queued trace events to Redis and close connections before the process ends."""
    wsgi = getattr(worker, "wsgi", None)
    if wsgi is None or not hasattr(wsgi, "extensions"):
        return
    from designer.web.lifecycle import finish_shutdown

    finish_shutdown(wsgi)
