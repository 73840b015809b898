"""SVAML, the Sinch Voice Application Markup Language, as plain dicts.

Every SVAML body this project sends is built here and serialised once by
whoever answers the callback (``json.dumps`` of the dict): no SVAML is ever
built as a string.  Builders emit the camelCase names Sinch's own SDKs send
(``connectPstn``, ``runMenu``...); Sinch's documentation also shows ``Say``,
``ConnectPstn`` and ``connectPSTN``, so everything that *reads* SVAML
(``canonical_name``, ``normalize``, ``check_svaml``) compares names
case-insensitively.

``check_svaml(doc, event)`` is the structural checker: it lists what the
platform would reject (unknown names, an action the event does not accept,
values outside the Callback API's limits).  The simulator uses it to refuse
what Sinch would refuse, and the tests use it on everything the compiler
emits.

Beyond the Callback API reference, the checker recognises ``reportCallStatus``,
an instruction Sinch documents for DiCE responses only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from designer.registry import (
    ACTIONS_ALLOWED,
    CONFERENCE_ID_MAX,
    CONNECT_MAX_DURATION,
    COOKIE_MAX_BYTES,
    DTMF_KEYS,
    INDICATIONS,
    PARK_MAX_DURATION,
    SAY_MAX_CHARS,
)

INSTRUCTIONS: tuple[str, ...] = (
    "say",
    "playFiles",
    "sendDtmf",
    "setCookie",
    "answer",
    "startRecording",
    "stopRecording",
)
ACTIONS: tuple[str, ...] = (
    "hangup",
    "continue",
    "connectPstn",
    "connectMxp",
    "connectConf",
    "connectSip",
    "runMenu",
    "park",
)
# Documented for DiCE responses only (Sinch's ReportCallStatus section).
DICE_INSTRUCTIONS: tuple[str, ...] = ("reportCallStatus",)

EVENTS: tuple[str, ...] = ("ice", "ace", "pie", "dice", "notify")
MAIN_MENU = "main"
MOH_VALUES: tuple[str, ...] = ("ring", "music1", "music2", "music3")
SIP_TRANSPORTS: tuple[str, ...] = ("udp", "tcp", "tls")
CALL_HEADER_MAX_BYTES = 1024

_CANONICAL: dict[str, str] = {
    name.lower(): name for name in (*INSTRUCTIONS, *ACTIONS, *DICE_INSTRUCTIONS)
}
_DTMF_STRING = re.compile(r"^[0-9#w]+$")
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*(/[A-Za-z0-9_-]+)?$")
_OPTION_ACTION = re.compile(r"^(?:return(?:\((?P<ret>[^()]*)\))?|menu\((?P<menu>[^()]+)\))$")
_PROMPT_MARKERS = ("#tts[", "#ssml[", "#href[", "http://", "https://")


# --- names ----------------------------------------------------------------------


def canonical_name(name: Any) -> str | None:
    """The camelCase SVAML name for ``name`` in any case, or None when unknown."""
    return _CANONICAL.get(name.lower()) if isinstance(name, str) else None


def normalize(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an SVAML body with every known instruction/action name in camelCase.

    Unknown names are kept as written so that ``check_svaml`` can still name them.
    """
    out = dict(doc)
    instructions = doc.get("instructions")
    if isinstance(instructions, list):
        out["instructions"] = [_renamed(i) for i in instructions]
    if isinstance(doc.get("action"), Mapping):
        out["action"] = _renamed(doc["action"])
    return out


def _renamed(item: Any) -> Any:
    if not isinstance(item, Mapping):
        return item
    canonical = canonical_name(item.get("name"))
    return {**item, "name": canonical} if canonical else dict(item)


# --- builders -------------------------------------------------------------------


def _fields(name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": name, **{k: v for k, v in fields.items() if v is not None}}


def instruction(name: str, **fields: Any) -> dict[str, Any]:
    """Any SVAML instruction from its SVAML field names; ``None`` fields are left out."""
    canonical = canonical_name(name)
    if canonical not in INSTRUCTIONS:
        raise ValueError(f"unknown SVAML instruction {name!r}")
    return _fields(canonical, fields)


def action(name: str, **fields: Any) -> dict[str, Any]:
    """Any SVAML action from its SVAML field names; ``None`` fields are left out."""
    canonical = canonical_name(name)
    if canonical not in ACTIONS:
        raise ValueError(f"unknown SVAML action {name!r}")
    return _fields(canonical, fields)


def svaml(instructions: Iterable[Mapping[str, Any]], action: Mapping[str, Any]) -> dict[str, Any]:
    """The SVAML body answered to a callback."""
    return {"instructions": [dict(i) for i in instructions], "action": dict(action)}


def tts(text: str) -> str:
    return f"#tts[{text}]"


def prompt(text: str) -> str:
    """A menu/park prompt: plain text becomes ``#tts[...]``; prompt markup is kept.

    Markup is ``#tts[..]``, ``#ssml[..]``, ``#href[..]`` or a media URL, several
    joined by ``;``.  A text that starts with none of them is spoken as a whole.
    """
    stripped = text.strip()
    if not stripped or stripped.startswith(_PROMPT_MARKERS):
        return stripped
    return tts(stripped)


def say(text: str, locale: str | None = None) -> dict[str, Any]:
    return instruction("say", text=text, locale=locale)


def play_files(ids: Iterable[str], locale: str | None = None) -> dict[str, Any]:
    return instruction("playFiles", ids=list(ids), locale=locale)


def send_dtmf(value: str) -> dict[str, Any]:
    return instruction("sendDtmf", value=value)


def set_cookie(key: str, value: str) -> dict[str, Any]:
    return instruction("setCookie", key=key, value=value)


def answer() -> dict[str, Any]:
    return instruction("answer")


def start_recording(options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return instruction("startRecording", options=None if options is None else dict(options))


def stop_recording() -> dict[str, Any]:
    return instruction("stopRecording")


def hangup() -> dict[str, Any]:
    return action("hangup")


def continue_() -> dict[str, Any]:
    """The ``continue`` action (ACE: let the call proceed)."""
    return action("continue")


def connect_pstn(
    number: str | None = None,
    *,
    cli: str | None = None,
    locale: str | None = None,
    max_duration: int | None = None,
    dial_timeout: int | None = None,
    suppress_callbacks: bool | None = None,
    dtmf: str | None = None,
    indications: str | None = None,
    amd: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return action(
        "connectPstn",
        number=number,
        cli=cli,
        locale=locale,
        maxDuration=max_duration,
        dialTimeout=dial_timeout,
        suppressCallbacks=suppress_callbacks,
        dtmf=dtmf,
        indications=indications,
        amd=None if amd is None else dict(amd),
    )


def _destination(destination: str | Mapping[str, Any] | None, kind: str | None):
    if destination is None or isinstance(destination, Mapping):
        return None if destination is None else dict(destination)
    return {"type": kind, "endpoint": destination} if kind else {"endpoint": destination}


def _headers(headers: Mapping[str, str] | Iterable[Mapping[str, str]] | None):
    if headers is None:
        return None
    if isinstance(headers, Mapping):
        return [{"key": k, "value": v} for k, v in headers.items()]
    return [dict(h) for h in headers]


def connect_mxp(
    destination: str | Mapping[str, Any] | None = None,
    *,
    call_headers: Mapping[str, str] | Iterable[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """App-to-app call; a plain ``destination`` string is a username."""
    return action(
        "connectMxp",
        destination=_destination(destination, "username"),
        callHeaders=_headers(call_headers),
    )


def connect_conf(
    conference_id: str,
    *,
    moh: str | None = None,
    cli: str | None = None,
    suppress_callbacks: bool | None = None,
) -> dict[str, Any]:
    return action(
        "connectConf",
        conferenceId=conference_id,
        moh=moh,
        cli=cli,
        suppressCallbacks=suppress_callbacks,
    )


def connect_sip(
    destination: str | Mapping[str, Any],
    *,
    max_duration: int | None = None,
    cli: str | None = None,
    transport: str | None = None,
    suppress_callbacks: bool | None = None,
    call_headers: Mapping[str, str] | Iterable[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """Route to a SIP server; a plain ``destination`` string is the SIP URI."""
    return action(
        "connectSip",
        destination=_destination(destination, None),
        maxDuration=max_duration,
        cli=cli,
        transport=transport,
        suppressCallbacks=suppress_callbacks,
        callHeaders=_headers(call_headers),
    )


def park(
    hold_prompt: str,
    *,
    intro_prompt: str | None = None,
    max_duration: int | None = None,
) -> dict[str, Any]:
    return action(
        "park", introPrompt=intro_prompt, holdPrompt=hold_prompt, maxDuration=max_duration
    )


def option(dtmf: str, then: str) -> dict[str, Any]:
    """A menu option: ``then`` is ``return(value)`` or ``menu(id)``."""
    return {"dtmf": dtmf, "action": then}


def menu(
    menu_id: str,
    *,
    main_prompt: str | None = None,
    repeat_prompt: str | None = None,
    repeats: int | None = None,
    max_digits: int | None = None,
    timeout_mills: int | None = None,
    max_timeout_mills: int | None = None,
    options: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """One menu of a ``runMenu`` action."""
    fields = {
        "id": menu_id,
        "mainPrompt": main_prompt,
        "repeatPrompt": repeat_prompt,
        "repeats": repeats,
        "maxDigits": max_digits,
        "timeoutMills": timeout_mills,
        "maxTimeoutMills": max_timeout_mills,
        "options": None if options is None else [dict(o) for o in options],
    }
    return {k: v for k, v in fields.items() if v is not None}


def run_menu(
    menus: Iterable[Mapping[str, Any]],
    *,
    main_menu: str | None = MAIN_MENU,
    barge: bool | None = None,
    locale: str | None = None,
    enable_voice: bool | None = None,
) -> dict[str, Any]:
    return action(
        "runMenu",
        barge=barge,
        locale=locale,
        enableVoice=enable_voice,
        mainMenu=main_menu,
        menus=[dict(m) for m in menus],
    )


# --- structural check -----------------------------------------------------------


def check_svaml(
    doc: Any, event: str | None, *, cookies: Mapping[str, str] | None = None
) -> list[str]:
    """Everything Sinch would reject in ``doc`` as the answer to ``event``.

    ``event`` is ``ice``/``ace``/``pie``/``dice`` in any case, or None to check
    the body alone.  ``cookies`` are those already set on the call: the
    1024-byte limit counts them together with the ``setCookie`` of ``doc``.
    Returns one message per problem, each starting with where it is
    (``action``, ``instructions[2]``, ``action.menus[0].options[1]``); an
    empty list means the body is acceptable.
    """
    problems: list[str] = []
    if not isinstance(doc, Mapping):
        return [f"an SVAML body is a JSON object, not {type(doc).__name__}"]
    ev = event.lower() if isinstance(event, str) else None
    if event is not None and ev not in EVENTS:
        problems.append(f"unknown callback event {event!r} (expected one of {', '.join(EVENTS)})")
        ev = None
    for key in doc:
        if key not in ("instructions", "action"):
            problems.append(f"{key}: unknown field (an SVAML body has 'instructions' and 'action')")

    jar = dict(cookies or {})
    instructions = doc.get("instructions", [])
    if instructions is None:
        instructions = []
    if not isinstance(instructions, list):
        problems.append("instructions: must be a list of instruction objects")
        instructions = []
    for i, item in enumerate(instructions):
        _check_instruction(item, f"instructions[{i}]", ev, jar, problems)
    if _cookie_bytes(jar) > COOKIE_MAX_BYTES:
        problems.append(
            f"instructions: cookies total {_cookie_bytes(jar)} bytes, "
            f"over the {COOKIE_MAX_BYTES}-byte limit"
        )

    act = doc.get("action")
    if act is None:
        problems.append("action: missing (every SVAML answer needs an action)")
    else:
        name = _check_action(act, ev, problems)
        if name == "connectMxp" and any(
            isinstance(i, Mapping) and canonical_name(i.get("name")) == "startRecording"
            for i in instructions
        ):
            problems.append("instructions: startRecording is not supported with connectMxp")
    return problems


def _cookie_bytes(jar: Mapping[str, Any]) -> int:
    return sum(len(str(k).encode()) + len(str(v).encode()) for k, v in jar.items())


def _named(item: Any, where: str, known: Iterable[str], what: str, problems: list[str]):
    if not isinstance(item, Mapping):
        problems.append(f"{where}: an {what} is an object with a 'name'")
        return None
    raw = item.get("name")
    name = canonical_name(raw)
    if name is None or name not in known:
        problems.append(f"{where}: unknown {what} {raw!r}")
        return None
    return name


def _check_instruction(
    item: Any, where: str, event: str | None, jar: dict[str, Any], problems: list[str]
) -> None:
    name = _named(item, where, (*INSTRUCTIONS, *DICE_INSTRUCTIONS), "instruction", problems)
    if name is None:
        return
    if event == "dice" and name not in DICE_INSTRUCTIONS:
        problems.append(f"{where}: {name} is not accepted in a dice response")
    elif event not in (None, "dice") and name in DICE_INSTRUCTIONS:
        problems.append(f"{where}: {name} is only accepted in a dice response")
    where = f"{where} ({name})"
    if name == "say":
        text = item.get("text")
        if not isinstance(text, str) or not text:
            problems.append(f"{where}: text must be a non-empty string")
        elif len(text) > SAY_MAX_CHARS:
            problems.append(f"{where}: text has {len(text)} characters, over {SAY_MAX_CHARS}")
        _check_locale(item, where, problems)
    elif name == "playFiles":
        ids = item.get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
            problems.append(f"{where}: ids must be a non-empty list of file ids or URLs")
        _check_locale(item, where, problems)
    elif name == "sendDtmf":
        _check_dtmf(item.get("value"), f"{where}: value", problems, required=True)
    elif name == "setCookie":
        key, value = item.get("key"), item.get("value")
        if not isinstance(key, str) or not key:
            problems.append(f"{where}: key must be a non-empty string")
        elif not isinstance(value, str):
            problems.append(f"{where}: value must be a string")
        else:
            jar[key] = value
    elif name == "startRecording":
        options = item.get("options")
        if options is not None and not isinstance(options, Mapping):
            problems.append(f"{where}: options must be an object")


def _check_action(item: Any, event: str | None, problems: list[str]) -> str | None:
    name = _named(item, "action", ACTIONS, "action", problems)
    if name is None:
        return None
    where = f"action ({name})"
    if event is not None and name not in ACTIONS_ALLOWED.get(event, frozenset()):
        allowed = ", ".join(sorted(ACTIONS_ALLOWED.get(event, ()))) or "none"
        problems.append(
            f"action: {name} is not accepted in a {event} response (allowed: {allowed})"
        )
    if name in ("connectPstn", "connectSip"):
        _check_max_duration(item, where, CONNECT_MAX_DURATION, problems)
        _check_bool(item, "suppressCallbacks", where, problems)
        cli = item.get("cli")
        if cli is not None and not isinstance(cli, str):
            problems.append(f"{where}: cli must be a string")
    if name == "connectPstn":
        number = item.get("number")
        if number is not None and (not isinstance(number, str) or not number):
            problems.append(f"{where}: number must be a non-empty string")
        _check_dtmf(item.get("dtmf"), f"{where}: dtmf", problems, required=False)
        indications = item.get("indications")
        if indications is not None and indications not in INDICATIONS:
            problems.append(f"{where}: indications {indications!r} is not a known ringing tone")
        _check_locale(item, where, problems)
    elif name == "connectSip":
        destination = item.get("destination")
        if not isinstance(destination, Mapping) or not _nonempty(destination.get("endpoint")):
            problems.append(f"{where}: destination must be an object with an 'endpoint'")
        transport = item.get("transport")
        if transport is not None and (
            not isinstance(transport, str) or transport.lower() not in SIP_TRANSPORTS
        ):
            problems.append(f"{where}: transport must be UDP, TCP or TLS")
        _check_headers(item, where, problems)
    elif name == "connectMxp":
        destination = item.get("destination")
        if destination is not None and (
            not isinstance(destination, Mapping) or not _nonempty(destination.get("endpoint"))
        ):
            problems.append(f"{where}: destination must be an object with an 'endpoint'")
        _check_headers(item, where, problems)
    elif name == "connectConf":
        conf = item.get("conferenceId")
        if not _nonempty(conf):
            problems.append(f"{where}: conferenceId must be a non-empty string")
        elif len(conf) > CONFERENCE_ID_MAX:
            problems.append(
                f"{where}: conferenceId has {len(conf)} characters, over {CONFERENCE_ID_MAX}"
            )
        moh = item.get("moh")
        if moh is not None and moh not in MOH_VALUES:
            problems.append(f"{where}: moh must be one of {', '.join(MOH_VALUES)}")
    elif name == "park":
        for key in ("introPrompt", "holdPrompt"):
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                problems.append(f"{where}: {key} must be a prompt string")
        if not _nonempty(item.get("holdPrompt")):
            problems.append(f"{where}: holdPrompt must be a non-empty prompt")
        _check_max_duration(item, where, PARK_MAX_DURATION, problems)
    elif name == "runMenu":
        _check_run_menu(item, where, problems)
    return name


def _nonempty(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_bool(item: Mapping[str, Any], key: str, where: str, problems: list[str]) -> None:
    if key in item and not isinstance(item[key], bool):
        problems.append(f"{where}: {key} must be true or false")


def _check_max_duration(item: Mapping[str, Any], where: str, limit: int, problems: list[str]):
    value = item.get("maxDuration")
    if value is not None and (not _is_int(value) or not 1 <= value <= limit):
        problems.append(f"{where}: maxDuration must be 1 to {limit} seconds, got {value!r}")


def _check_locale(item: Mapping[str, Any], where: str, problems: list[str]) -> None:
    locale = item.get("locale")
    if locale is not None and (not isinstance(locale, str) or not _LOCALE.match(locale)):
        problems.append(f"{where}: locale {locale!r} is not a language-COUNTRY code")


def _check_dtmf(value: Any, where: str, problems: list[str], *, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not _DTMF_STRING.match(value):
        problems.append(f"{where} must be DTMF characters 0-9, # and w, got {value!r}")


def _check_headers(item: Mapping[str, Any], where: str, problems: list[str]) -> None:
    headers = item.get("callHeaders")
    if headers is None:
        return
    if not isinstance(headers, list):
        problems.append(f"{where}: callHeaders must be a list of {{key, value}} objects")
        return
    for i, header in enumerate(headers):
        if (
            not isinstance(header, Mapping)
            or not _nonempty(header.get("key"))
            or not isinstance(header.get("value"), str)
        ):
            problems.append(f"{where}: callHeaders[{i}] must be {{'key': str, 'value': str}}")
        elif len(header["key"].encode()) + len(header["value"].encode()) > CALL_HEADER_MAX_BYTES:
            problems.append(
                f"{where}: callHeaders[{i}] is over {CALL_HEADER_MAX_BYTES} bytes (UTF-8)"
            )


def _dtmf_key(value: Any) -> str | None:
    if _is_int(value) and 0 <= value <= 9:
        return str(value)
    if isinstance(value, str) and value in DTMF_KEYS:
        return value
    return None


def _check_run_menu(item: Mapping[str, Any], where: str, problems: list[str]) -> None:
    _check_bool(item, "barge", where, problems)
    _check_bool(item, "enableVoice", where, problems)
    _check_locale(item, where, problems)
    menus = item.get("menus")
    if not isinstance(menus, list) or not menus:
        problems.append(f"{where}: menus must be a non-empty list")
        return
    ids = [m.get("id") for m in menus if isinstance(m, Mapping)]
    if MAIN_MENU not in ids:
        problems.append(f"{where}: no menu has the id 'main' (the menu that plays first)")
    main_menu = item.get("mainMenu")
    if main_menu is not None and main_menu not in ids:
        problems.append(f"{where}: mainMenu {main_menu!r} names no menu")
    seen: set[str] = set()
    for m, menu_ in enumerate(menus):
        at = f"{where}.menus[{m}]"
        if not isinstance(menu_, Mapping):
            problems.append(f"{at}: a menu is an object with an 'id'")
            continue
        menu_id = menu_.get("id")
        if not _nonempty(menu_id):
            problems.append(f"{at}: id must be a non-empty string")
        elif menu_id in seen:
            problems.append(f"{at}: duplicate menu id {menu_id!r}")
        else:
            seen.add(menu_id)
        for key in ("mainPrompt", "repeatPrompt"):
            if key in menu_ and not isinstance(menu_[key], str):
                problems.append(f"{at}: {key} must be a prompt string")
        for key, low in (("repeats", 0), ("maxDigits", 1), ("timeoutMills", 1),
                         ("maxTimeoutMills", 1)):  # fmt: skip
            if key in menu_ and (not _is_int(menu_[key]) or menu_[key] < low):
                problems.append(f"{at}: {key} must be an integer of at least {low}")
        options = menu_.get("options", [])
        if not isinstance(options, list):
            problems.append(f"{at}: options must be a list of {{dtmf, action}} objects")
            continue
        digits: set[str] = set()
        for o, opt in enumerate(options):
            here = f"{at}.options[{o}]"
            if not isinstance(opt, Mapping):
                problems.append(f"{here}: an option is an object {{dtmf, action}}")
                continue
            key = _dtmf_key(opt.get("dtmf"))
            if key is None:
                problems.append(f"{here}: dtmf {opt.get('dtmf')!r} is not a DTMF key")
            elif key in digits:
                problems.append(f"{here}: dtmf {key!r} is used twice in this menu")
            else:
                digits.add(key)
            then = opt.get("action")
            match = _OPTION_ACTION.match(then) if isinstance(then, str) else None
            if match is None:
                problems.append(f"{here}: action {then!r} must be return(value) or menu(id)")
            elif match["menu"] is not None and match["menu"] not in ids:
                problems.append(f"{here}: menu({match['menu']}) names no menu of this runMenu")
