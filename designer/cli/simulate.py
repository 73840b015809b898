"""``designer simulate``: call a flow without a phone.

FLOW is one of:

- a flow document file: it runs in a private in-process app (in-memory
  storage, nothing saved), published and bound to ``--to``;
- a stored flow id: its draft (or ``--version N``) is called through the
  simulator API of the server at ``--url``, or of the local database;
- an E.164 number: called as a real caller would -- with ``--url``, the
  simulated platform posts its callbacks to that server (any Sinch callback
  URL works; ``--app-key``/``--secret`` sign them); without, through the
  local database's simulator API.

The caller follows ``--press`` steps in order (``1``, ``4321#``, ``!1`` keys
during the prompt, ``silence``, ``hangup``) and stays silent when they run
out; ``--callee`` says how the party a connect rings reacts.  ``--json``
prints ``{"steps", "visited", "heard", "outcome"}``.  ``--random N --seed S``
places N calls by random callers and reports coverage and errors;
``--replay CALLID`` replays a stored call against its flow's current draft.

A server that requires login (``DESIGNER_AUTH``) wants an API token on its
``/api`` routes: ``--token`` (or ``DESIGNER_TOKEN``) is sent there as
``Authorization: Bearer``.  Callbacks never carry it: Sinch authenticates
them by their signature alone (``--app-key``/``--secret``).

Exit status: 0; 1 when a call hit an error (or a replay differs); 2 for bad
input, as every ``designer`` command.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from designer.errors import BadRequest, DesignerError, Forbidden, NotFound, Unauthorized
from designer.flow import Flow
from designer.isotime import parse_iso
from designer.simulator.platform import CALLEE_OUTCOMES, CallSettings, SimulatedCall
from designer.simulator.script import DEFAULT_TALK_S, Script
from designer.simulator.transcript import attach_trace, render_lines
from designer.simulator.transport import HttpTransport

E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
DEFAULT_CLI = "+46708168731"
DEFAULT_TO = "+46812345678"
CONTRACT_KEYS = ("steps", "visited", "heard", "outcome")


@click.command("simulate")
@click.argument("flow", required=False)
@click.option(
    "--press",
    "presses",
    multiple=True,
    metavar="KEYS",
    help="the caller's next step: keys (1, 4321#), !keys during the prompt, "
    "'silence' or 'hangup'; repeat for each prompt",
)
@click.option(
    "--callee",
    type=click.Choice(list(CALLEE_OUTCOMES)),
    default="answer",
    show_default=True,
    help="how the party a connect rings reacts",
)
@click.option(
    "--talk",
    type=click.FloatRange(0, 14400),
    default=DEFAULT_TALK_S,
    show_default=True,
    help="seconds caller and callee talk once connected",
)
@click.option(
    "--cli",
    "caller",
    default=DEFAULT_CLI,
    show_default=True,
    metavar="E164",
    help="the caller's number",
)
@click.option(
    "--to",
    "called",
    default=None,
    metavar="E164",
    help="the number called (a file flow is bound to it)",
)
@click.option("--url", default=None, help="a running designer server, or a callback URL")
@click.option(
    "--version",
    "version",
    default="draft",
    show_default=True,
    help="for a flow id: 'draft' or a published version number",
)
@click.option(
    "--at",
    "at",
    default=None,
    metavar="ISO-8601",
    help="when a file flow's call starts (opening hours), default now",
)
@click.option(
    "--app-key",
    envvar="DESIGNER_SIM_APP_KEY",
    default=None,
    help="application key to sign callbacks to --url with",
)
@click.option(
    "--secret",
    envvar="DESIGNER_SIM_SECRET",
    default=None,
    help="application secret (base64) to sign callbacks to --url with",
)
@click.option(
    "--token",
    envvar="DESIGNER_TOKEN",
    default=None,
    metavar="TOKEN",
    help="API token for a server that requires login (designer token create NAME); "
    "sent on its /api calls only, never with callbacks",
)
@click.option("--json", "as_json", is_flag=True, help="print the transcript as JSON")
@click.option(
    "--random",
    "walks",
    type=click.IntRange(1, 100_000),
    default=None,
    metavar="N",
    help="place N calls by random callers in-process and report coverage (with --url the "
    "flow is read from the server, but the calls stay out of its call log: "
    "designer.notebook.fill_call_log places them there)",
)
@click.option("--seed", type=int, default=0, show_default=True, help="seed for --random")
@click.option(
    "--replay",
    "replay_callid",
    default=None,
    metavar="CALLID",
    help="replay a stored call against its flow's current draft",
)
def simulate(
    flow: str | None,
    presses: tuple[str, ...],
    callee: str,
    talk: float,
    caller: str,
    called: str | None,
    url: str | None,
    version: str,
    at: str | None,
    app_key: str | None,
    secret: str | None,
    token: str | None,
    as_json: bool,
    walks: int | None,
    seed: int,
    replay_callid: str | None,
) -> None:
    """Call FLOW (a file, a flow id or a number) with a simulated Sinch platform."""
    if not E164.match(caller) and caller != "private":
        raise BadRequest(f"--cli must be an E.164 number or 'private', not {caller!r}")
    if called is not None and not E164.match(called):
        raise BadRequest(f"--to must be an E.164 number such as +46812345678, not {called!r}")
    pinned = _version(version)
    token = _token(token)
    if replay_callid is not None:
        if flow is not None:
            raise BadRequest("give either FLOW or --replay CALLID, not both")
        _exit(_replay(_server(url, token), replay_callid, as_json))
    if flow is None:
        raise BadRequest("missing FLOW: a flow file, a stored flow id or an E.164 number")
    script = Script.parse(presses, callee=callee, talk=talk)
    if walks is not None:
        document = _document(flow, url, pinned, token)
        _exit(_random(document, walks, seed, as_json))
    if _is_file(flow):
        if url is not None:
            raise BadRequest("a flow file runs in-process; --url takes a flow id or a number")
        _exit(_file_call(flow, script, caller, called, _start_time(at), as_json))
    if E164.match(flow) and url is not None:
        _exit(_direct_call(url, flow, script, caller, app_key, secret, token, as_json))
    body: dict[str, Any] = {"script": list(presses), "callee": callee, "talk": talk,
                            "cli": caller}  # fmt: skip
    if E164.match(flow):
        body["number"] = flow
    else:
        body.update(flow=flow, version=pinned)
        if called:
            body["to"] = called
    _exit(_session_call(_server(url, token), body, as_json))


# --- the ways to place a call ------------------------------------------------------------


def _file_call(
    path: str, script: Script, caller: str, called: str | None, at: datetime, as_json: bool
) -> bool:
    from designer.web.sim import Sandbox

    flow = Flow.load(path)
    _warn_invalid(flow, path)
    with Sandbox(flow.to_dict(), number=called or DEFAULT_TO, started_at=at) as sandbox:
        transcript = sandbox.call(script, cli=caller)
    return _show(transcript.to_dict(), as_json)


def _direct_call(
    url: str,
    number: str,
    script: Script,
    caller: str,
    app_key: str | None,
    secret: str | None,
    token: str | None,
    as_json: bool,
) -> bool:
    from designer.simulator.script import run

    if secret and not app_key:
        raise BadRequest("--secret needs --app-key: Sinch signs with the application's key")
    settings = CallSettings(cli=caller, to=number,
                            **({"application_key": app_key} if app_key else {}))  # fmt: skip
    now = datetime.now(UTC)
    transport = HttpTransport.to_url(
        url, application_key=settings.application_key, secret=secret,
        clock=lambda: datetime.now(UTC),
    )  # fmt: skip
    try:
        call = SimulatedCall(transport, now, settings)
        run(call, script)
    finally:
        transport.close()
    # A designer server keeps the call's trace: read it back through its API (with the
    # token; the callbacks above went without, signed if there is a secret).
    api = _server(url, token)
    try:
        status, body = api.get_json(f"/api/calls/{quote(call.callid, safe='@')}")
    finally:
        api.close()
    if status == 200 and isinstance(body, dict):
        attach_trace(call.transcript, body.get("events") or [])
    elif status in (401, 403):
        click.echo(f"note: the call's trace was not read back: {_refusal(status, body)}", err=True)
    return _show(call.transcript.to_dict(), as_json)


def _session_call(server: HttpTransport, body: dict[str, Any], as_json: bool) -> bool:
    session = _api(server, "post", "/api/sim/calls", body)
    return _show(session["transcript"], as_json)


def _random(document: dict[str, Any], n: int, seed: int, as_json: bool) -> bool:
    from designer.simulator.randomwalk import random_walks
    from designer.web.sim import Sandbox

    report = random_walks(document, n, seed, sandbox=Sandbox)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.render())
    return report.ok


def _replay(server: HttpTransport, callid: str, as_json: bool) -> bool:
    from designer.simulator.replay import replay
    from designer.web.sim import Sandbox

    call = _api(server, "get", f"/api/calls/{quote(callid, safe='@')}")
    if not call.get("flow"):
        raise BadRequest(f"call {callid!r} was not routed to a flow: nothing to replay")
    flow = _api(server, "get", f"/api/flows/{quote(call['flow'])}")
    report = replay(call, flow["document"], sandbox=Sandbox)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(report.render())
    return report.same


# --- helpers ----------------------------------------------------------------------------


def _is_file(flow: str) -> bool:
    return flow.endswith(".json") or "/" in flow or Path(flow).is_file()


def _version(version: str) -> int | str:
    if version == "draft":
        return "draft"
    if version.isdigit() and int(version) >= 1:
        return int(version)
    raise BadRequest(f"--version must be 'draft' or a version number, not {version!r}")


def _start_time(at: str | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        return parse_iso(at)
    except ValueError:
        raise BadRequest(
            f"--at must be an ISO-8601 time such as 2026-11-25T10:00Z, not {at!r}"
        ) from None


def _token(token: str | None) -> str | None:
    """The API token as given, or None; one that cannot be a header value is refused."""
    if token is None or not token.strip():
        return None
    token = token.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        raise BadRequest("--token (or DESIGNER_TOKEN) must be an API token, without spaces")
    return token


def _server(url: str | None, token: str | None = None) -> HttpTransport:
    """The designer server's HTTP API: at ``url``, or the local database in-process.

    Only ever used for ``/api`` routes, so the token goes on every request.
    """
    if url is not None:
        server = HttpTransport.to_url(url)
    else:
        from designer.web import create_app

        server = HttpTransport.to_wsgi(create_app())
    if token is not None:
        server.client.headers["Authorization"] = f"Bearer {token}"
    return server


def _refusal(status: int, answer: Any) -> str:
    """Why the server refused an /api call (401/403), with what to do about it."""
    error = answer.get("error") if isinstance(answer, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if status == 401:
        return (
            f"the server requires login ({message or 'HTTP 401'}); pass an API token with "
            "--token or DESIGNER_TOKEN (`designer token create NAME` on the server)"
        )
    return f"the token's user may not do this ({message or 'HTTP 403'})"


def _api(server: HttpTransport, method: str, path: str, body: Any = None) -> dict[str, Any]:
    if method == "get":
        status, answer = server.get_json(path)
    else:
        status, answer = server.post_json(path, body)
    if 200 <= status < 300 and isinstance(answer, dict):
        return answer
    error = (answer or {}).get("error") if isinstance(answer, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if status == 0:
        raise DesignerError(f"cannot reach the server: {message}")
    if status == 401:
        raise Unauthorized(_refusal(status, answer))
    if status == 403:
        raise Forbidden(_refusal(status, answer))
    if status == 404:
        raise NotFound(message or f"{path}: not found")
    raise DesignerError(message or f"{method.upper()} {path} answered HTTP {status}")


def _document(flow: str, url: str | None, version: int | str, token: str | None) -> dict[str, Any]:
    """The flow document ``--random`` walks: a file, a stored flow, or a number's flow."""
    if _is_file(flow):
        loaded = Flow.load(flow)
        _warn_invalid(loaded, flow)
        return loaded.to_dict()
    server = _server(url, token)
    if E164.match(flow):
        binding = _api(server, "get", f"/api/numbers/{quote(flow)}")
        flow_id = binding["flow"]
        version = binding.get("version") or _api(server, "get", f"/api/flows/{flow_id}").get(
            "latestVersion"
        )
    else:
        flow_id = flow
    if version == "draft":
        return _api(server, "get", f"/api/flows/{quote(flow_id)}")["document"]
    return _api(server, "get", f"/api/flows/{quote(flow_id)}/versions/{version}")["document"]


def _warn_invalid(flow: Flow, path: str) -> None:
    errors = flow.validate().errors
    if errors:
        click.echo(
            f"warning: {path} has {len(errors)} validation error(s) "
            f"(designer flow validate {path}); simulating anyway",
            err=True,
        )


def _show(transcript: dict[str, Any], as_json: bool) -> bool:
    if as_json:
        click.echo(json.dumps({k: transcript.get(k) for k in CONTRACT_KEYS}, indent=2,
                              ensure_ascii=False))  # fmt: skip
    else:
        click.echo(render_lines(transcript.get("lines") or []))
        outcome = transcript.get("outcome")
        if outcome:
            click.echo(f"outcome: {outcome['action']} at {outcome.get('node') or '?'}")
    for error in transcript.get("errors") or []:
        click.echo(f"⚠ {error}", err=True)
    return not transcript.get("errors")


def _exit(ok: bool) -> None:
    sys.exit(0 if ok else 1)
