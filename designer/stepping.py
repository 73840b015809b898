"""Walking a flow from one node to the next point where the platform takes over.

This is the one place that knows how nodes turn into SVAML.  Two callers
share it:

- the **call engine** (at run time): on every callback it walks from where the
  call is, with ``decide`` evaluating server-side nodes for this call and
  ``render`` filling templates from the call's variables;
- the **static compiler** (``designer.compiler``): it walks with templates
  left as written and stops at server-side decisions (``decide`` returns
  ``DEFER``) to list every outcome.

A walk starts at a node and moves forward:

- ``start`` continues through ``next``;
- an ``instruction`` node appends its SVAML instruction and continues;
- a ``logic`` node (``branch``, ``hours``, ``setVariable``) continues through
  the port ``decide(node)`` names (for ``setVariable``, ``decide`` performs the
  assignment and returns ``"next"``);
- an ``input`` node (``menu``, ``collect``) ends the walk with a ``runMenu``;
- an ``action`` or ``terminal`` node ends the walk with its SVAML action.

A port without an edge ends the walk with ``hangup`` and the step records where
it fell off the graph.  A walk that visits more nodes than its budget is a loop
without input: ``StepError``.

Menus are not chained into one ``runMenu`` with ``menu(id)`` navigation: each
choice comes back to the server as a PIE, so every node a caller reaches is
traced and lit on the canvas.

Encoding of menus (and its decoding, ``menu_choice``): the menu is always the
SVAML menu ``main``; each option digit ``d`` is ``{"dtmf": d, "action":
"return(d)"}`` so the PIE's ``return`` value names the port; a ``collect``
has no options and ``maxDigits`` set, so the PIE is a ``sequence`` of digits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from designer import svaml
from designer.document import Node
from designer.errors import StepError
from designer.flow import Flow
from designer.registry import ACTIONS_ALLOWED, NodeType, node_type

DEFER = "<defer>"
"""What ``decide`` returns to stop the walk before a logic node (static compile)."""

MIN_BUDGET = 500

Decide = Callable[[Node], str | None]
Render = Callable[[str], str]

# Menu parameters that sit on the runMenu action rather than on the menu.
_ACTION_LEVEL = {"barge": "barge", "locale": "locale", "enableVoice": "enableVoice"}
_MENU_LEVEL = {
    "prompt": "mainPrompt",
    "repeatPrompt": "repeatPrompt",
    "repeats": "repeats",
    "maxDigits": "maxDigits",
    "timeoutMills": "timeoutMills",
    "maxTimeoutMills": "maxTimeoutMills",
}


def identity(text: str) -> str:
    """The ``render`` of the static compiler: templates stay as written."""
    return text


@dataclass
class Step:
    """The outcome of one walk: the SVAML to answer, and where the call now is.

    - ``instructions``/``action``: the SVAML (``action`` is None only when the
      walk was deferred at ``pending``);
    - ``stop_node``: the menu/collect/action/hangup node whose SVAML ends the
      step, or None when the walk fell off the graph or was deferred;
    - ``visited``: every node walked through, in order, ``stop_node`` included;
    - ``waiting``: the input nodes now waiting for the caller (the PIE answers
      one of them); ``menus`` maps the SVAML menu id to its node;
    - ``fell_off``: ``(node, port)`` when the walk reached a port without an
      edge (the action is then ``hangup``);
    - ``pending``: the logic node where ``decide`` returned ``DEFER``.
    """

    instructions: list[dict[str, Any]] = field(default_factory=list)
    action: dict[str, Any] | None = None
    stop_node: str | None = None
    visited: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    menus: dict[str, str] = field(default_factory=dict)
    fell_off: tuple[str, str] | None = None
    pending: str | None = None

    def svaml(self) -> dict[str, Any]:
        """The SVAML body to answer with."""
        if self.action is None:
            raise StepError(
                f"the walk stopped at the decision {self.pending!r} and has no SVAML yet",
                details={"node": self.pending, "visited": self.visited},
            )
        return svaml.svaml(self.instructions, self.action)


@dataclass(frozen=True)
class Choice:
    """What a PIE means for the node waiting for it: the port, and the digits keyed."""

    port: str
    digits: str | None = None


def walk(
    flow: Flow,
    node_id: str,
    *,
    decide: Decide,
    render: Render = identity,
    event: str | None = None,
    budget: int | None = None,
) -> Step:
    """Walk forward from ``node_id`` to the next point where the platform takes over.

    ``decide(node) -> port`` evaluates ``branch``/``hours``/``setVariable``
    nodes (or returns ``DEFER``); ``render(text)`` fills the templated
    parameters (those the registry marks ``x-template``).  With ``event``
    (``ice``/``ace``/``pie``) an action that event does not accept raises
    ``StepError``.  ``budget`` bounds the nodes visited (default: the number
    of nodes of the flow, at least 500).
    """
    step = Step()
    return _walk(flow, node_id, step, decide=decide, render=render, event=event, budget=budget)


def follow(
    flow: Flow,
    node_id: str,
    port: str,
    *,
    decide: Decide,
    render: Render = identity,
    event: str | None = None,
    budget: int | None = None,
) -> Step:
    """Walk from the node that port ``port`` of ``node_id`` leads to.

    This is what the engine calls after a PIE (``port`` from ``menu_choice``)
    or an ACE (``port="answered"``).  An unconnected ``answered`` port is no
    error: the call just proceeds, so the step answers ``continue``.  Any
    other unconnected port hangs up and records ``fell_off``.
    """
    target = flow.target(node_id, port)
    if target is None:
        if port == "answered":
            return Step(action=svaml.continue_())
        return Step(action=svaml.hangup(), fell_off=(node_id, port))
    step = Step()
    return _walk(flow, target, step, decide=decide, render=render, event=event, budget=budget)


def _walk(
    flow: Flow,
    node_id: str,
    step: Step,
    *,
    decide: Decide,
    render: Render,
    event: str | None,
    budget: int | None,
) -> Step:
    limit = budget if budget is not None else max(MIN_BUDGET, len(flow.nodes) + 1)
    current: str | None = node_id
    while current is not None:
        node = flow.by_id.get(current)
        if node is None:
            raise StepError(
                f"the flow has no node {current!r}",
                details={"node": current, "visited": step.visited},
            )
        if len(step.visited) >= limit:
            raise StepError(
                f"the flow loops without waiting for the caller (more than {limit} nodes "
                f"walked, last at {node.id!r})",
                details={"node": node.id, "visited": step.visited[-20:]},
            )
        kind_type = node_type(node.type)
        if kind_type is None:
            raise StepError(
                f"node {node.id!r} has the unknown type {node.type!r}",
                details={"node": node.id, "visited": step.visited},
            )
        kind = kind_type.kind
        if kind == "logic":
            port = decide(node)
            if port == DEFER:
                step.pending = node.id
                return step
            if not isinstance(port, str) or not port:
                raise StepError(
                    f"no port was decided for the {node.type} node {node.id!r}",
                    details={"node": node.id, "visited": step.visited},
                )
            step.visited.append(node.id)
        else:
            step.visited.append(node.id)
            if kind == "instruction":
                step.instructions.append(_instruction(flow, node, kind_type, render))
                port = "next"
            elif kind == "start":
                port = "next"
            else:
                if kind == "input":
                    step.action = _run_menu(flow, node, kind_type, render)
                    step.waiting = [node.id]
                    step.menus = {svaml.MAIN_MENU: node.id}
                else:  # action, terminal
                    step.action = _action(flow, node, kind_type, render)
                step.stop_node = node.id
                _check_allowed(step, event)
                return step
        current = flow.target(node.id, port)
        if current is None:
            step.fell_off = (node.id, port)
            step.action = svaml.hangup()
            _check_allowed(step, event)
            return step
    raise AssertionError("unreachable")  # pragma: no cover


def _check_allowed(step: Step, event: str | None) -> None:
    if event is None or step.action is None:
        return
    name = step.action["name"]
    if name not in ACTIONS_ALLOWED.get(event.lower(), frozenset()):
        raise StepError(
            f"node {step.stop_node!r} answers {name}, which a {event} callback does not accept",
            details={"node": step.stop_node, "visited": step.visited, "action": name},
        )


# --- node -> SVAML --------------------------------------------------------------


def _params(flow: Flow, node: Node, nt: NodeType, render: Render) -> dict[str, Any]:
    """The node's parameters known to the registry, rendered, with the flow's locale."""
    out: dict[str, Any] = {}
    for key, schema in nt.params.items():
        if key in node.data and node.data[key] is not None:
            out[key] = _rendered(node.data[key], schema, render)
        elif key == "locale":
            out[key] = flow.locale
    return out


def _rendered(value: Any, schema: Mapping[str, Any], render: Render) -> Any:
    if isinstance(value, str):
        text = render(value) if schema.get("x-template") else value
        return svaml.prompt(text) if schema.get("x-format") == "prompt" else text
    if isinstance(value, list):
        items = schema.get("items", {})
        return [_rendered(v, items, render) for v in value]
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: _rendered(v, props.get(k, {}), render) for k, v in value.items()}
    return value


def _instruction(flow: Flow, node: Node, nt: NodeType, render: Render) -> dict[str, Any]:
    return svaml.instruction(nt.svaml or node.type, **_params(flow, node, nt, render))


def _action(flow: Flow, node: Node, nt: NodeType, render: Render) -> dict[str, Any]:
    return svaml.action(nt.svaml or node.type, **_params(flow, node, nt, render))


def _run_menu(flow: Flow, node: Node, nt: NodeType, render: Render) -> dict[str, Any]:
    params = _params(flow, node, nt, render)
    menu_fields = {
        svaml_key: params[key] for key, svaml_key in _MENU_LEVEL.items() if key in params
    }
    menu_fields.setdefault("maxDigits", nt.params["maxDigits"].get("default", 1))
    options = None
    if node.type == "menu":
        digits = dict.fromkeys(d for d in params.get("options", ()) if isinstance(d, str))
        options = [svaml.option(d, f"return({d})") for d in digits]
    action_fields = {svaml_key: params[key] for key, svaml_key in _ACTION_LEVEL.items()
                     if key in params}  # fmt: skip
    menu_ = svaml.menu(
        svaml.MAIN_MENU,
        main_prompt=menu_fields.get("mainPrompt"),
        repeat_prompt=menu_fields.get("repeatPrompt") or None,
        repeats=menu_fields.get("repeats"),
        max_digits=menu_fields["maxDigits"],
        timeout_mills=menu_fields.get("timeoutMills"),
        max_timeout_mills=menu_fields.get("maxTimeoutMills"),
        options=options,
    )
    return svaml.run_menu(
        [menu_],
        barge=action_fields.get("barge"),
        locale=action_fields.get("locale"),
        enable_voice=action_fields.get("enableVoice"),
    )


# --- PIE -> port ----------------------------------------------------------------


def menu_choice(flow: Flow, node_id: str, menu_result: Mapping[str, Any]) -> Choice | None:
    """The port a PIE's ``menuResult`` selects on the waiting node ``node_id``.

    - menu: ``return``/``sequence`` of an option digit → that port; any other
      input → ``invalid`` (``timeout`` when ``invalid`` is not connected);
      ``timeout`` → ``timeout``;
    - collect: ``sequence``/``return`` → ``next`` with the digits (a trailing
      ``#`` removed; nothing keyed counts as ``timeout``); ``timeout`` or
      invalid input → ``timeout``.

    Returns None for ``hangup`` and ``error`` results: the call is over and
    nothing more is answered.  Result types compare case-insensitively.
    """
    node = flow.by_id.get(node_id)
    if node is None or node.type not in ("menu", "collect"):
        raise StepError(
            f"node {node_id!r} is not a menu or collect waiting for input",
            details={"node": node_id},
        )
    kind = str(menu_result.get("type", "")).lower()
    value = menu_result.get("value")
    value = "" if value is None else str(value)
    if kind in ("hangup", "error"):
        return None
    if node.type == "collect":
        digits = value.strip().rstrip("#")
        if kind in ("sequence", "return") and digits:
            return Choice("next", digits)
        return Choice("timeout")
    if kind == "timeout":
        return Choice("timeout")
    options = [o for o in node.data.get("options", ()) if isinstance(o, str)]
    key = None
    if kind in ("return", "sequence"):
        key = value.strip()
        if key not in options and kind == "sequence":
            key = key.rstrip("#")  # the terminator, unless '#' is itself an option
        if key in options:
            return Choice(key, key)
    if flow.target(node_id, "invalid") is not None:
        return Choice("invalid", key or None)
    return Choice("timeout", key or None)
