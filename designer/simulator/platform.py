"""The Sinch platform's side of one call, as a pure state machine.

``SimulatedCall`` plays what Sinch does for a phone call into an application:
it sends the ICE, reads the SVAML answered and acts on it as the Callback API
describes -- speaks the instructions in order, runs ``runMenu`` (barge-in,
repeats, ``maxDigits``, the ``#`` terminator, the silence timeout, ``menu(id)``
navigation) and reports the result in a PIE, dials for ``connect*`` actions
and sends the ACE when the simulated callee answers, parks, hangs up, and
ends every call with a DiCE.  An answer Sinch would refuse (``check_svaml``)
is reported the way Sinch reports it: a ``callingerror`` Notify with error
code 40001, and the call is cut (DiCE reason ``CALLBACKERROR``).

The model is pure: it never reads the clock (the call starts at a given
instant and a simulated clock advances by prompt lengths, timeouts and talk
time, so nothing really waits) and it does no I/O -- callbacks go through the
``send`` function it is given (``designer.simulator.transport``).  The caller
is driven from outside, one input at a time (``press``, ``silence``,
``hangup``, ``callee``, ``talk``), so the same object serves scripted calls,
random walks and the interactive keypad of the web UI.

Choices where the Callback API is silent, made once here:

- Cookies set with ``setCookie`` are echoed back in the ``custom`` field of
  every later callback, as a JSON object of all cookies of the call (the
  AsyncAPI describes ``custom`` as "custom data passed from SVAML"), merged
  into the call's own ``custom`` when that is a JSON object.
- Callback timestamps carry milliseconds and strictly increase, so no two
  callbacks of a call look like retries of each other.
- A menu without ``repeatPrompt`` replays its ``mainPrompt`` on a repeat.
  Absent menu fields take the defaults the node-type registry records
  (``repeats`` 2, ``timeoutMills`` 5000, barge-in on; ``maxDigits`` 1 for a
  menu with options, 4 for a digit collector).
- Keys typed after a menu has what it needs are discarded, not carried into
  the next prompt.  ``#`` ends the input unless it is itself an option and
  nothing was typed before it; ``#`` alone is invalid input.
- DiCE reasons: the application's ``hangup`` -> ``MANAGERHANGUP``; busy,
  unanswered, failed callee -> ``CALLEEHANGUP``/``TIMEOUT``/``GENERALERROR``
  with result ``BUSY``/``NOANSWER``/``FAILED`` (``USERNOTFOUND`` for an app
  user); ``maxDuration`` reached -> ``TIMEOUT``; an answer that is not SVAML
  at all (HTTP error, not JSON) -> ``GENERALERROR``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from designer.errors import BadRequest, Conflict
from designer.registry import DTMF_KEYS, NODE_TYPES
from designer.simulator import prompts
from designer.simulator.transcript import Line, Step, Transcript
from designer.svaml import MAIN_MENU, check_svaml, normalize

API_VERSION = 1
CALL_RESOURCE_URL = "https://calling.api.sinch.com/calling/v1/calls/id/{callid}"
ILLEGAL_SVAML = 40001
# The ICE's ``custom`` of a simulated call: the engine marks such calls ``simulated``.
SIMULATED_CUSTOM = '{"simulated":true}'

# How the simulated callee of a connect action behaves, and the DiCE it leads to.
CALLEE_OUTCOMES: dict[str, tuple[str, str | None, int]] = {
    # outcome: (DiCE result, DiCE reason when the call ends here, ringing time ms)
    "answer": ("ANSWERED", None, 4000),
    "busy": ("BUSY", "CALLEEHANGUP", 2000),
    "noanswer": ("NOANSWER", "TIMEOUT", 30000),
    "failed": ("FAILED", "GENERALERROR", 1000),
}
CONNECT_ACTIONS = ("connectPstn", "connectSip", "connectMxp", "connectConf")

# The caller needs a moment to react after a prompt, and each key takes a moment.
MS_REACTION = 1000
MS_PER_KEY = 250
MS_BARGE_IN = 1000  # how far into a prompt a barging caller starts keying

_MENU_PARAMS = NODE_TYPES["menu"].params
_COLLECT_PARAMS = NODE_TYPES["collect"].params
_PARK_DEFAULT: int = NODE_TYPES["park"].params["maxDuration"]["default"]
_OPTION = re.compile(r"^\s*(return|menu)\s*(?:\(([^()]*)\))?\s*$", re.IGNORECASE)


class Phase(StrEnum):
    NEW = "new"
    WAITING = "waiting-for-input"  # a runMenu waits for the caller's keys
    DIALING = "dialing"  # a connect action rings the callee
    CONNECTED = "connected"  # caller and callee talk
    PARKED = "parked"  # on hold until maxDuration
    ENDED = "ended"


@dataclass(frozen=True)
class Reply:
    """What came back from the callback URL."""

    status: int | None  # None: no answer at all (connection refused, timeout)
    body: Any = None  # the parsed JSON body; None when empty or not JSON
    error: str | None = None  # why the answer is unusable, when it is


# ``send(payload, timestamp)`` posts one callback; ``timestamp`` is the simulated
# instant the platform sends it (signing uses it for x-timestamp).
Send = Callable[[dict[str, Any], datetime], Reply]


@dataclass(frozen=True)
class CallSettings:
    """Who calls whom: the fields of the ICE that are not generated."""

    cli: str = "+46708168731"
    to: str = "+46812345678"
    application_key: str = "5b9c4d3e-7f21-4a8b-9c0d-1e2f3a4b5c6d"
    callid: str | None = None  # generated when absent: "<hex>@<ip>" like Sinch's
    custom: str = SIMULATED_CUSTOM
    domain: str = "pstn"
    origination_type: str = "pstn"
    to_type: str = "number"
    currency: str = "USD"
    rate: float = 0.0  # per minute, as userRate


@dataclass
class _Menu:
    id: str
    main_prompt: str
    repeat_prompt: str
    repeats: int
    max_digits: int
    timeout_ms: int
    options: dict[str, tuple[str, str | None]]  # key -> ("return", value) | ("menu", id)


@dataclass
class _MenuRun:
    menus: dict[str, _Menu]
    barge: bool
    current: _Menu
    attempt: int = 0  # 0: first play of mainPrompt; n: the n-th repeat
    buffer: str = ""
    prompt: list[prompts.Segment] = field(default_factory=list)
    prompt_start: int = 0
    prompt_done: bool = False


def new_callid(rng: random.Random) -> str:
    """A call id shaped like Sinch's PSTN ones: 32 hex digits '@' a media server."""
    ip = ".".join(str(rng.randint(1, 254)) for _ in range(4))
    return f"{rng.getrandbits(128):032x}@{ip}"


class SimulatedCall:
    """One call, from ICE to DiCE, driven one caller input at a time."""

    def __init__(
        self,
        send: Send,
        started_at: datetime,
        settings: CallSettings | None = None,
        *,
        rng: random.Random | None = None,
    ) -> None:
        if started_at.tzinfo is None:
            raise ValueError("started_at must be timezone-aware")
        self.settings = settings or CallSettings()
        self.callid = self.settings.callid or new_callid(rng or random.Random())
        self._send_fn = send
        self.phase = Phase.NEW
        self.transcript = Transcript(callid=self.callid, started_at=started_at)
        self._clock = 0  # ms since the ICE
        self._last_sent = -1
        self._cookies: dict[str, str] = {}
        self._answered_at: int | None = None  # when the caller's leg was answered
        self._leg: dict[str, Any] | None = None  # the connect action being dialled / connected
        self._leg_result: str | None = None
        self._connected_at = 0
        self._suppress = False
        self._menu: _MenuRun | None = None
        self._park_until = 0

    # --- what the outside can see --------------------------------------------------
    @property
    def ended(self) -> bool:
        return self.phase is Phase.ENDED

    @property
    def clock_ms(self) -> int:
        return self._clock

    @property
    def menu_id(self) -> str | None:
        return self._menu.current.id if self._menu else None

    @property
    def prompt(self) -> str | None:
        """The words of the prompt the caller is answering, while a menu waits."""
        if self._menu is None:
            return None
        return " ".join(s.heard() for s in self._menu.prompt)

    @property
    def menu_keys(self) -> list[str]:
        """The option keys of the menu waiting now (empty for a digit collector)."""
        return list(self._menu.current.options) if self._menu else []

    @property
    def max_digits(self) -> int:
        return self._menu.current.max_digits if self._menu else 0

    @property
    def collecting(self) -> bool:
        """A menu holds some keys and waits for more (or for the inter-digit timeout)."""
        return bool(self._menu and self._menu.buffer)

    def note(self, text: str) -> None:
        """Add a remark to the transcript (e.g. why a scripted caller gave up)."""
        self._line("note", text)

    @property
    def connected_to(self) -> dict[str, Any] | None:
        return dict(self._leg) if self._leg else None

    # --- caller inputs -------------------------------------------------------------
    def start(self) -> None:
        """Ring the application: send the ICE and act on its answer."""
        self._require(Phase.NEW, "start")
        s = self.settings
        payload = {
            **self._base("ice"),
            "userRate": {"currencyId": s.currency, "amount": s.rate},
            "cli": s.cli,
            "to": {"type": s.to_type, "endpoint": s.to},
            "domain": s.domain,
            "originationType": s.origination_type,
        }
        self._line("note", f"{s.cli} calls {s.to}")
        self._answer("ice", payload)

    def press(self, digits: str, *, during_prompt: bool = False) -> None:
        """Key ``digits`` at the menu waiting now (while its prompt plays, if asked)."""
        self._require(Phase.WAITING, "take keys")
        bad = sorted({d for d in digits if d not in DTMF_KEYS})
        if not digits or bad:
            raise BadRequest(
                f"digits must be DTMF keys 0-9, * and #; got {digits!r}",
                details={"digits": digits},
            )
        run = self._menu
        assert run is not None
        if during_prompt and not run.prompt_done:
            if not run.barge:
                self._clock = run.prompt_start + min(MS_BARGE_IN, prompts.duration_ms(run.prompt))
                self._line("ignored", f"{digits} (ignored: no barge-in while the prompt plays)")
                self._finish_prompt()
                return
            self._clock = run.prompt_start + min(MS_BARGE_IN, prompts.duration_ms(run.prompt))
            run.prompt_done = True
            self._line("note", "the caller barges in; the prompt stops")
        else:
            self._finish_prompt()
            self._clock += MS_REACTION if not run.buffer else 0
        for i, key in enumerate(digits):
            self._clock += MS_PER_KEY
            self.transcript.keyed.append(key)
            self._line("keyed", key)
            done = self._key(run, key)
            if done is not None:
                rest = digits[i + 1 :]
                if rest:
                    self._line("note", f"{rest} keyed after the input was complete: discarded")
                self._menu_input(run, done)
                return

    def silence(self) -> None:
        """The caller keys nothing more: a menu times out, a parked call reaches maxDuration."""
        if self.phase is Phase.PARKED:
            self._clock = max(self._clock, self._park_until)
            self._line("note", "the hold time (maxDuration) is over")
            self._end("TIMEOUT")
            return
        self._require(Phase.WAITING, "wait in silence")
        run = self._menu
        assert run is not None
        self._finish_prompt()
        self._clock += run.current.timeout_ms
        if run.buffer:
            self._menu_input(run, run.buffer)
        else:
            self._line("note", f"silence for {run.current.timeout_ms / 1000:g} s")
            self._menu_failed(run, "timeout", "")

    def hangup(self, by: str = "caller") -> None:
        """The caller (or, once connected, the callee) hangs up."""
        if by not in ("caller", "callee"):
            raise BadRequest(f"who hangs up must be 'caller' or 'callee', not {by!r}")
        if self.phase is Phase.ENDED:
            raise Conflict("the call has already ended")
        if self.phase is Phase.NEW:
            raise Conflict("the call has not started")
        if by == "callee":
            self._require(Phase.CONNECTED, "be hung up by the callee")
            self._line("callee", "the callee hangs up")
            self._end("CALLEEHANGUP")
            return
        self._line("callee", "the caller hangs up")
        if self.phase is Phase.WAITING:
            run = self._menu
            assert run is not None
            self._finish_prompt()
            self._pie(run.current.id, "hangup", "", answer=False)
        reason = "CALLERHANGUP" if self._answered_at is not None else "CANCEL"
        self._end(reason)

    def callee(self, outcome: str) -> None:
        """How the party a connect action rings reacts: answer, busy, noanswer or failed."""
        if outcome not in CALLEE_OUTCOMES:
            raise BadRequest(f"callee must be one of {', '.join(CALLEE_OUTCOMES)}, not {outcome!r}")
        self._require(Phase.DIALING, "have a callee react")
        leg = self._leg
        assert leg is not None
        result, reason, ringing = CALLEE_OUTCOMES[outcome]
        if outcome == "noanswer" and isinstance(leg.get("dialTimeout"), int):
            ringing = leg["dialTimeout"] * 1000
        self._clock += ringing
        self._leg_result = result
        if outcome != "answer":
            if outcome == "failed" and leg["name"] == "connectMxp":
                reason = "USERNOTFOUND"
            self._line("callee", f"the callee {_CALLEE_TEXT[outcome]}")
            assert reason is not None
            self._end(reason)
            return
        self._line("callee", "the callee answers")
        if self._answered_at is None:
            self._answered_at = self._clock
        self._connected_at = self._clock
        if self._suppress:
            self._connect()
            return
        payload = self._base("ace")
        amd = leg.get("amd")
        if isinstance(amd, dict) and amd.get("enabled"):
            payload["amd"] = {"status": "human", "reason": "longgreeting", "duration": 3}
        self._answer("ace", payload)

    def talk(self, seconds: float) -> None:
        """Caller and callee talk for ``seconds``; maxDuration may cut them off."""
        self._require(Phase.CONNECTED, "talk")
        if seconds < 0:
            raise BadRequest("talk time cannot be negative")
        limit = self._leg.get("maxDuration") if self._leg else None
        wanted = self._clock + int(seconds * 1000)
        if isinstance(limit, int) and wanted > self._connected_at + limit * 1000:
            self._clock = self._connected_at + limit * 1000
            self._line("note", f"maxDuration of {limit} s reached")
            self._end("TIMEOUT")
            return
        self._line("note", f"talking for {seconds:g} s")
        self._clock = wanted

    # --- acting on an answer -------------------------------------------------------
    def _answer(self, event: str, payload: dict[str, Any]) -> None:
        step = self._send(event, payload)
        doc = self._usable(step)
        if doc is None:
            if event == "ace":
                self._line("note", "no usable answer to the ACE: the platform connects the call")
                self._connect()
            else:
                self._line("error", f"the application did not answer the {event}: {step.error}")
                self._line("heard", "[the platform's error message]")
                self._end("GENERALERROR")
            return
        problems = check_svaml(doc, event, cookies=self._cookies)
        if problems:
            step.problems = problems
            self._line("error", f"illegal SVAML in the {event} answer: {problems[0]}")
            self._send(
                "notify",
                {
                    "event": "notify",
                    "callid": self.callid,
                    "version": API_VERSION,
                    "type": "callingerror",
                    "errorCode": ILLEGAL_SVAML,
                    "errorMsg": "Illegal SVAML: " + "; ".join(problems),
                    "user": "",
                    "custom": self._custom(),
                    "applicationKey": self.settings.application_key,
                },
            )
            self._end("CALLBACKERROR")
            return
        doc = normalize(doc)
        for instruction in doc.get("instructions") or []:
            self._instruction(instruction)
        action = doc["action"]
        if action["name"] != "continue" or self._leg is None:
            # ``continue`` on an ACE lets the connect proceed: the connect stays the outcome
            self.transcript.final_action = action
            self.transcript.final_step = len(self.transcript.steps) - 1
        self._action(action, event)

    def _usable(self, step: Step) -> dict[str, Any] | None:
        if step.error is None and (step.status is None or not 200 <= step.status < 300):
            step.error = f"HTTP {step.status}"
        if step.error is None and not isinstance(step.response, dict):
            step.error = "the answer is not a JSON object"
        return step.response if step.error is None else None

    def _instruction(self, item: dict[str, Any]) -> None:
        name = item["name"]
        if name == "say":
            self._answer_caller()
            self._hear(prompts.spoken_text(item["text"]))
        elif name == "playFiles":
            self._answer_caller()
            for file_id in item["ids"]:
                self._hear(prompts.split(file_id) or [prompts.Segment("file", file_id)])
        elif name == "sendDtmf":
            self._line("tones", f"DTMF {item['value']} sent to the caller")
            self._clock += prompts.dtmf_duration_ms(item["value"])
        elif name == "setCookie":
            self._cookies[item["key"]] = item["value"]
            self._line("cookie", f"{item['key']} = {item['value']}")
        elif name == "answer":
            self._answer_caller()
            self._line("note", "the call is answered")
        elif name == "startRecording":
            self._line("recording", "recording started")
        elif name == "stopRecording":
            self._line("recording", "recording stopped")

    def _action(self, action: dict[str, Any], event: str) -> None:
        name = action["name"]
        if name != "runMenu":  # a menu shows as its prompt
            self._line("action", describe(action, self.settings.to))
        if name == "hangup":
            self._end("MANAGERHANGUP")
        elif name == "continue":
            if self._leg is not None and self._leg_result == "ANSWERED":
                self._connect()
            else:
                self._line("note", "continue with nobody to connect to: the call ends")
                self._end("N/A")
        elif name in CONNECT_ACTIONS:
            if event == "ace" or (name == "connectConf" and self._leg_result == "ANSWERED"):
                self._leg = dict(action)
                self._connect()
                return
            self._leg = dict(action)
            self._leg_result = None
            self._suppress = bool(action.get("suppressCallbacks"))
            self.phase = Phase.DIALING
        elif name == "runMenu":
            self._answer_caller()
            self._run_menu(action)
        elif name == "park":
            self._answer_caller()
            start = self._clock
            self._hear(prompts.split(action.get("introPrompt") or ""))
            self._hear(prompts.split(action["holdPrompt"]))
            self._line("note", "on hold: the hold prompt repeats")
            max_duration = action.get("maxDuration") or _PARK_DEFAULT
            self._park_until = start + int(max_duration) * 1000
            self.phase = Phase.PARKED

    def _connect(self) -> None:
        self._menu = None
        self.phase = Phase.CONNECTED
        self._line("callee", "connected")

    # --- runMenu -------------------------------------------------------------------
    def _run_menu(self, action: dict[str, Any]) -> None:
        menus = {m["id"]: _read_menu(m) for m in action["menus"]}
        first = action.get("mainMenu") or MAIN_MENU
        run = _MenuRun(menus=menus, barge=action.get("barge", True) is not False,
                       current=menus[first])  # fmt: skip
        self._menu = run
        self.phase = Phase.WAITING
        self._play_menu(run, repeat=False)

    def _play_menu(self, run: _MenuRun, *, repeat: bool) -> None:
        menu = run.current
        text = menu.repeat_prompt if repeat and menu.repeat_prompt else menu.main_prompt
        run.prompt = prompts.split(text)
        run.prompt_start = self._clock
        run.prompt_done = False
        run.buffer = ""
        for segment in run.prompt:
            self._line("heard", segment.heard())
            self.transcript.heard.append(segment.heard())

    def _finish_prompt(self) -> None:
        run = self._menu
        if run is not None and not run.prompt_done:
            self._clock = max(self._clock, run.prompt_start + prompts.duration_ms(run.prompt))
            run.prompt_done = True

    def _key(self, run: _MenuRun, key: str) -> str | None:
        """Add one key; the complete input once the menu has what it needs, else None."""
        menu = run.current
        if key == "#" and not ("#" in menu.options and not run.buffer):
            return run.buffer  # '#' ends the input (and is not part of it)
        run.buffer += key
        if len(run.buffer) >= menu.max_digits:
            return run.buffer
        return None

    def _menu_input(self, run: _MenuRun, digits: str) -> None:
        menu = run.current
        if not digits:
            self._menu_failed(run, "invalidinput", digits)
            return
        if not menu.options:
            self._pie(menu.id, "sequence", digits)
            return
        chosen = menu.options.get(digits)
        if chosen is None:
            self._line("note", f"{digits} is not an option of menu {menu.id}")
            self._menu_failed(run, "invalidinput", digits)
            return
        kind, value = chosen
        if kind == "menu":
            assert value is not None
            run.current = run.menus[value]
            run.attempt = 0
            self._line("note", f"menu {value}")
            self._play_menu(run, repeat=False)
            return
        self._pie(menu.id, "return", digits if value is None else value)

    def _menu_failed(self, run: _MenuRun, kind: str, value: str) -> None:
        if run.attempt < run.current.repeats:
            run.attempt += 1
            self._play_menu(run, repeat=True)
            return
        self._pie(run.current.id, kind, value)

    def _pie(self, menu_id: str, kind: str, value: str, *, answer: bool = True) -> None:
        self._menu = None
        payload = {
            **self._base("pie"),
            "menuResult": {"menuId": menu_id, "type": kind, "value": value, "inputMethod": "dtmf"},
        }
        if answer:
            self.phase = Phase.NEW  # between menus: nothing waits for the caller
            self._answer("pie", payload)
        else:
            self._send("pie", payload)

    # --- ending ----------------------------------------------------------------------
    def _end(self, reason: str) -> None:
        if self.phase is Phase.ENDED:
            return
        self._menu = None
        if self._leg_result is not None:
            result = self._leg_result
        else:
            result = "ANSWERED" if self._answered_at is not None else "NOANSWER"
        duration = 0
        if self._answered_at is not None:
            duration = round((self._clock - self._answered_at) / 1000)
        self.phase = Phase.ENDED
        s = self.settings
        end = {"reason": reason, "result": result, "duration": duration}
        self.transcript.end = end
        if self._suppress:
            self._line("note", "suppressCallbacks: no DiCE is sent")
        else:
            payload = self._base("dice")
            payload.update(
                reason=reason,
                result=result,
                debit={"currencyId": s.currency, "amount": round(s.rate * duration / 60, 4)},
                userRate={"currencyId": s.currency, "amount": s.rate},
                to={"type": s.to_type, "endpoint": s.to},
                duration=duration,
                **{"from": s.cli},
            )
            self._send("dice", payload)
        self.transcript.duration_ms = self._clock
        self._line("end", f"call ended: {reason}, {result}, {duration} s")

    # --- plumbing --------------------------------------------------------------------
    def _require(self, phase: Phase, what: str) -> None:
        if self.phase is not phase:
            if self.phase is Phase.ENDED:
                raise Conflict(f"the call has ended: it cannot {what}")
            raise Conflict(f"the call is {self.phase.value}: it cannot {what} now")

    def _answer_caller(self) -> None:
        if self._answered_at is None:
            self._answered_at = self._clock

    def _hear(self, segments: list[prompts.Segment]) -> None:
        for segment in segments:
            self._line("heard", segment.heard())
            self.transcript.heard.append(segment.heard())
            self._clock += segment.duration_ms()

    def _line(self, kind: str, text: str) -> None:
        self.transcript.lines.append(Line(self._clock, kind, text))

    def _custom(self) -> str:
        if not self._cookies:
            return self.settings.custom
        try:  # cookies join a JSON object given as custom (e.g. the simulation marker)
            base = json.loads(self.settings.custom) if self.settings.custom else {}
        except ValueError:
            base = {}
        merged = {**(base if isinstance(base, dict) else {}), **self._cookies}
        return json.dumps(merged, separators=(",", ":"), ensure_ascii=False)

    def _base(self, event: str) -> dict[str, Any]:
        self._clock = max(self._clock, self._last_sent + 1)
        self._last_sent = self._clock
        return {
            "event": event,
            "callid": self.callid,
            "callResourceUrl": CALL_RESOURCE_URL.format(callid=self.callid),
            "timestamp": iso_timestamp(self._now()),
            "version": API_VERSION,
            "custom": self._custom(),
            "applicationKey": self.settings.application_key,
        }

    def _now(self) -> datetime:
        return self.transcript.started_at + timedelta(milliseconds=self._clock)

    def _send(self, event: str, payload: dict[str, Any]) -> Step:
        step = Step(event=event, request=payload, at_ms=self._clock)
        self.transcript.steps.append(step)
        reply = self._send_fn(payload, self._now())
        step.status, step.response, step.error = reply.status, reply.body, reply.error
        self.transcript.duration_ms = self._clock
        return step


_CALLEE_TEXT = {"busy": "is busy", "noanswer": "does not answer", "failed": "cannot be reached"}


def iso_timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``, as Sinch writes timestamps."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _read_menu(raw: dict[str, Any]) -> _Menu:
    options: dict[str, tuple[str, str | None]] = {}
    for opt in raw.get("options") or []:
        match = _OPTION.match(opt["action"])
        assert match is not None  # check_svaml refused anything else
        options[str(opt["dtmf"])] = (match.group(1).lower(), match.group(2))
    defaults = _MENU_PARAMS if options else _COLLECT_PARAMS
    return _Menu(
        id=raw["id"],
        main_prompt=raw.get("mainPrompt") or "",
        repeat_prompt=raw.get("repeatPrompt") or "",
        repeats=raw.get("repeats", defaults["repeats"]["default"]),
        max_digits=raw.get("maxDigits", defaults["maxDigits"]["default"]),
        timeout_ms=raw.get("timeoutMills", defaults["timeoutMills"]["default"]),
        options=options,
    )


def describe(action: dict[str, Any], called: str = "") -> str:
    """A connect/park/menu action in a few words, as the transcript shows it."""
    name = action.get("name", "?")
    destination = action.get("destination")
    endpoint = destination.get("endpoint") if isinstance(destination, dict) else None
    if name == "connectPstn":
        return f"connectPstn {action.get('number') or called + ' (the number called)'}"
    if name in ("connectSip", "connectMxp"):
        return f"{name} {endpoint or '(the destination called)'}"
    if name == "connectConf":
        return f"connectConf {action.get('conferenceId')}"
    if name == "park":
        return f"park (up to {action.get('maxDuration', 'the default')} s)"
    if name == "runMenu":
        return "runMenu " + ", ".join(str(m.get("id")) for m in action.get("menus", []))
    return name
