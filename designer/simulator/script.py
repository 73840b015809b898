"""Scripted callers: what a simulated caller does, step by step.

A script is a list of steps consumed in order as the call needs input:

- ``Press("1")`` keys digits at the next prompt (``"4321#"`` ends with the
  terminator; with fewer digits than the menu wants, the caller stops typing
  and the inter-digit timeout completes the input); ``during_prompt=True``
  keys while the prompt still plays (ignored when barge-in is off);
- ``Silence()`` keys nothing at the next prompt, so it times out;
- ``HangUp()`` hangs up at the next prompt (or while on hold);
- ``Callee("busy")`` says how the next party a connect action rings behaves,
  and for how long caller and callee then talk.

``persist=True`` on ``Press``/``Silence`` repeats the step at every repeat of
the prompt until the menu reports to the application (how a stored call's
``invalidinput``/``timeout`` PIE is replayed).  When the steps run out the
caller stays silent, so menus time out and the flow's timeout paths run; a
connect without a ``Callee`` step uses the script's default callee.

Steps also have a one-word text form, used by ``designer simulate --press``
and the ``/api/sim`` API: ``1``, ``4321#``, ``!1`` (during the prompt),
``silence``, ``hangup``, ``callee:busy``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from designer.errors import BadRequest
from designer.simulator.platform import CALLEE_OUTCOMES, Phase
from designer.simulator.transcript import Transcript

DEFAULT_TALK_S = 30.0
# A flow whose menus loop back on silence would keep a silent caller forever;
# a real caller gives up.  The script hangs up after this many callbacks.
DEFAULT_MAX_CALLBACKS = 100

_DIGITS = re.compile(r"^[0-9*#]+$")


@dataclass(frozen=True)
class Press:
    digits: str
    during_prompt: bool = False
    persist: bool = False

    def __post_init__(self) -> None:
        if not _DIGITS.match(self.digits):
            raise BadRequest(f"a key press is DTMF keys 0-9, * and #, not {self.digits!r}")

    def to_text(self) -> str:
        return ("!" if self.during_prompt else "") + self.digits


@dataclass(frozen=True)
class Silence:
    persist: bool = False

    def to_text(self) -> str:
        return "silence"


@dataclass(frozen=True)
class HangUp:
    def to_text(self) -> str:
        return "hangup"


@dataclass(frozen=True)
class Callee:
    outcome: str = "answer"
    talk: float = DEFAULT_TALK_S  # seconds of conversation once connected
    hangs_up: str = "caller"  # who ends the conversation

    def __post_init__(self) -> None:
        if self.outcome not in CALLEE_OUTCOMES:
            raise BadRequest(
                f"callee must be one of {', '.join(CALLEE_OUTCOMES)}, not {self.outcome!r}"
            )
        if self.hangs_up not in ("caller", "callee"):
            raise BadRequest(f"who hangs up must be 'caller' or 'callee', not {self.hangs_up!r}")
        if self.talk < 0:
            raise BadRequest("talk time cannot be negative")

    def to_text(self) -> str:
        return f"callee:{self.outcome}"


Step = Press | Silence | HangUp | Callee


@dataclass
class Script:
    steps: list[Step] = field(default_factory=list)
    callee: Callee = field(default_factory=Callee)  # for connects no Callee step covers
    max_callbacks: int = DEFAULT_MAX_CALLBACKS

    @classmethod
    def parse(
        cls, texts: Iterable[str], *, callee: str = "answer", talk: float = DEFAULT_TALK_S
    ) -> Script:
        """A script from the text form of its steps (``designer simulate --press``)."""
        return cls([parse_step(t) for t in texts], callee=Callee(callee, talk=talk))

    def to_text(self) -> list[str]:
        return [s.to_text() for s in self.steps]


def parse_step(text: str) -> Step:
    """One step from its text form (``1``, ``4321#``, ``!1``, ``silence``, ``hangup``...)."""
    if not isinstance(text, str):
        raise BadRequest(f"a script step is a string, not {type(text).__name__}")
    word = text.strip()
    lower = word.lower()
    if lower == "silence":
        return Silence()
    if lower == "hangup":
        return HangUp()
    if lower.startswith("callee:"):
        return Callee(lower.partition(":")[2].strip())
    if word.startswith("!") and _DIGITS.match(word[1:]):
        return Press(word[1:], during_prompt=True)
    if _DIGITS.match(word):
        return Press(word)
    raise BadRequest(
        f"unknown script step {text!r}: use DTMF keys (1, 4321#), !keys to press during the "
        "prompt, 'silence', 'hangup' or 'callee:answer|busy|noanswer|failed'"
    )


class Caller(Protocol):
    """What a script drives: ``SimulatedCall``, or a session of a remote simulator."""

    phase: Phase
    transcript: Transcript

    @property
    def collecting(self) -> bool: ...
    def start(self) -> None: ...
    def press(self, digits: str, *, during_prompt: bool = False) -> None: ...
    def silence(self) -> None: ...
    def hangup(self, by: str = "caller") -> None: ...
    def callee(self, outcome: str) -> None: ...
    def talk(self, seconds: float) -> None: ...
    def note(self, text: str) -> None: ...


def run(call: Caller, script: Script) -> Transcript:
    """Play ``script`` on ``call`` (started here if new) until the call ends."""
    queue = list(script.steps)
    if call.phase is Phase.NEW:
        call.start()
    while call.phase is not Phase.ENDED:
        if len(call.transcript.steps) >= script.max_callbacks:
            call.note(f"the caller gives up after {script.max_callbacks} callbacks")
            call.hangup()
            break
        if call.phase is Phase.DIALING:
            callee = _take(queue, lambda s: isinstance(s, Callee)) or script.callee
            assert isinstance(callee, Callee)
            call.callee(callee.outcome)
            if call.phase is Phase.CONNECTED:
                _converse(call, callee)
        elif call.phase is Phase.CONNECTED:
            _converse(call, script.callee)
        elif call.phase is Phase.PARKED:
            step = _peek(queue)
            if isinstance(step, HangUp):
                queue.remove(step)
                call.hangup()
            else:
                call.silence()
        elif call.phase is Phase.WAITING:
            _at_menu(call, queue)
        else:  # pragma: no cover - a phase no input can leave
            raise AssertionError(f"the call is stuck in phase {call.phase}")
    return call.transcript


def _converse(call: Caller, callee: Callee) -> None:
    call.talk(callee.talk)
    if call.phase is Phase.CONNECTED:
        call.hangup(callee.hangs_up)


def _at_menu(call: Caller, queue: list[Step]) -> None:
    step = _peek(queue)
    if step is None:
        call.silence()
        return
    if isinstance(step, HangUp):
        queue.remove(step)
        call.hangup()
        return
    persist = getattr(step, "persist", False)
    pies = _pies(call)
    if not persist:
        queue.remove(step)
    _act(call, step)
    if persist and (call.phase is not Phase.WAITING or _pies(call) != pies):
        queue.remove(step)


def _act(call: Caller, step: Step) -> None:
    if isinstance(step, Silence):
        call.silence()
        return
    assert isinstance(step, Press)
    call.press(step.digits, during_prompt=step.during_prompt)
    if call.phase is Phase.WAITING and call.collecting:
        call.silence()  # the caller stops typing: the inter-digit timeout ends the input


def _pies(call: Caller) -> int:
    return sum(1 for s in call.transcript.steps if s.event == "pie")


def _peek(queue: list[Step]) -> Step | None:
    return next((s for s in queue if not isinstance(s, Callee)), None)


def _take(queue: list[Step], wanted) -> Step | None:
    for i, step in enumerate(queue):
        if wanted(step):
            return queue.pop(i)
    return None
