"""Checking a node's parameters against its registry schema.

The registry describes every parameter in a small JSON-Schema subset (see the
top of ``designer.registry``); this module is the one interpreter of that
vocabulary on the server.  It never raises on bad input: every problem becomes
a ``(path, message)`` pair, where ``path`` names the parameter the way the
property form does (``text``, ``options[2]``, ``destination.endpoint``) and the
message is written for the person editing the flow, e.g.
``Say text is 712 characters; Sinch allows at most 600``.

Values of ``x-template`` parameters that contain ``{{ ... }}`` are only known
once a call renders them, so the pattern and enum checks that cannot apply yet
are skipped for them; their length and template syntax are still checked.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date
from functools import cache, lru_cache
from typing import Any
from zoneinfo import available_timezones

from designer import templates
from designer.errors import TemplateError
from designer.registry import LOCALES, NodeType

Problem = tuple[str, str]  # (parameter path, message)

PROMPT_SEGMENT_KINDS = ("tts", "ssml", "href")
# Templates longer than this are reported by their length limit; parsing them
# would only spend time on a value that is already wrong.
_MAX_PARSE_CHARS = 100_000
_ENUM_LIST_MAX = 12
_CACHED_SOURCE_MAX = 1000
_LOCALE_SET = frozenset(LOCALES)

_TEMPLATE_MARK = re.compile(r"\{\{|\{%|\{#")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_NAME}(?:\.{_NAME})*"
_LITERAL = r"'[^'\\\n]*'|\"[^\"\\\n]*\"|-?[0-9]+(?:\.[0-9]+)?"
_SIMPLE_EXPRESSION = re.compile(
    rf"^[ \t]*{_DOTTED}(?:[ \t]*(?:==|!=|<=|>=|<|>)[ \t]*(?:{_LITERAL}|{_DOTTED}))?[ \t]*\Z"
)
# Words the template parser treats as operators or keywords: leave them to Jinja.
_RESERVED = frozenset(
    ("and", "or", "not", "in", "is", "if", "else", "elif", "endif", "for", "endfor",
     "block", "set", "true", "false", "none", "True", "False", "None")
)  # fmt: skip
_TEXT = r"[^{]*(?:\{(?![{%#])[^{]*)*"  # no template syntax
_PLAIN_TEMPLATE = re.compile(  # text with at most {{ name.attr|filter }} substitutions
    rf"{_TEXT}(?:\{{\{{-?[ \t]*(?!(?:{'|'.join(_RESERVED)})(?![A-Za-z0-9_])){_DOTTED}"
    rf"(?:[ \t]*\|[ \t]*{_NAME})*[ \t]*-?\}}\}}{_TEXT})*"
)
_SIMPLE_SPAN = re.compile(r"\{\{[^{}]*\}\}")
_FILTER_NAME = re.compile(rf"\|[ \t]*({_NAME})")
_PROMPT_PART = r"[ \t]*(?:#tts\[[ \t]*[^\];\s][^\];]*\]|[^#;\[\]]*)[ \t]*"
_PLAIN_PROMPT = re.compile(rf"{_PROMPT_PART}(?:;{_PROMPT_PART})*")  # the usual, no doubt
_WORD = re.compile(r"(?<![.'\"A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*")
_TEMPLATE_SPAN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_SEGMENT_TAG = re.compile(r"#([A-Za-z_][A-Za-z0-9_]*)\[")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_CHAR_CLASS_PATTERN = re.compile(r"^\^(\[[^\]]+\])[+*]\$$")
_RANGE = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# What a registry pattern means, for messages (unknown patterns fall back to
# the parameter's description, then to the pattern itself).
_FORMAT_HINTS = {
    "e164": "an E.164 number: '+', the country code and up to 15 digits, e.g. +46700000001",
    "identifier": "a name of letters, digits and '_' that does not start with a digit "
    "(at most 64 characters)",
}
_PATTERN_HINTS = {
    _ISO_DATE: "a date written YYYY-MM-DD, e.g. 2026-12-24",
    r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$": "a time range written "
    "HH:MM-HH:MM, e.g. 09:00-17:00",
}


def check_params(
    node_type: NodeType, data: dict[str, Any], flow_locale: str | None = None
) -> list[Problem]:
    """Every problem with ``data`` as parameters of ``node_type``, in parameter order.

    ``flow_locale`` is the locale a node inherits when it sets none; when it is
    not one Sinch speaks, each node that would inherit it is reported.
    """
    return checker(node_type, flow_locale)(data)


def checker(node_type: NodeType, flow_locale: str | None = None) -> Callable[[Any], list[Problem]]:
    """``check_params`` for many nodes of one type: the schema is compiled once."""
    check, ctx = _compiled(node_type)
    inherits = (
        flow_locale is not None and flow_locale not in _LOCALE_SET and "locale" in node_type.params
    )
    inherited = (
        (
            "locale",
            f"{node_type.label} sets no locale, and the flow's locale {_show(flow_locale)} "
            f"is not one Sinch speaks{_suggest(flow_locale, LOCALES)}",
        )
        if inherits
        else None
    )

    def run(data: Any) -> list[Problem]:
        out: list[Problem] = []
        check(data, "", ctx, out)
        if inherited is not None and isinstance(data, dict) and _unset(data.get("locale")):
            out.append(inherited)
        return out

    return run


def template_error(source: str) -> str | None:
    """Why ``source`` would not compile as a flow template (naming the line), or None.

    The rules are the runtime's own (``designer.templates``: Jinja2 syntax in
    the flow sandbox, its filters, no ``set``/``include``...), so a flow that
    validates does not fail on its templates during a call.  Compiling costs
    about a millisecond, so the usual case, plain ``{{ vars.name }}``
    substitutions, is recognised first without Jinja.
    """
    if "{" not in source:
        return None
    unclosed = _unclosed(source)
    if unclosed:
        return unclosed
    if _PLAIN_TEMPLATE.fullmatch(source) and (
        "|" not in source
        or all(
            _known_filter(name)
            for span in _SIMPLE_SPAN.findall(source)
            for name in _FILTER_NAME.findall(span)
        )
    ):
        return None
    return _compile_error(source)


def expression_error(source: str) -> str | None:
    """Why ``source`` would not compile as a ``when`` expression, or None."""
    if _SIMPLE_EXPRESSION.match(source) and not _uses_reserved(source):
        return None
    try:
        templates.check_expression(source)
    except TemplateError as exc:
        return _template_message(exc.message)
    return None


def prompt_error(source: str) -> str | None:
    """Why ``source`` is not a valid runMenu/park prompt, or None.

    A prompt is segments joined by ``;``: ``#tts[text]``, ``#ssml[<speak>..]``,
    ``#href[url]``, a bare http(s) URL, or plain text.  Template spans are
    masked first because their rendered text is only known during a call.
    """
    if _PLAIN_PROMPT.fullmatch(source):
        return None
    text = _TEMPLATE_SPAN.sub("x", source) if _TEMPLATE_MARK.search(source) else source
    pos, end = 0, len(text)
    while pos < end:
        while pos < end and text[pos].isspace():
            pos += 1
        tag = _SEGMENT_TAG.match(text, pos)
        if tag is None:
            stop = text.find(";", pos)
            stop = end if stop < 0 else stop
            segment = text[pos:stop].strip()
            bare = re.match(r"#(tts|ssml|href)\b", segment, re.IGNORECASE)
            if bare:
                return f"'#{bare.group(1)}' must be followed by [...], e.g. #tts[Hello]"
            pos = stop + 1
            continue
        kind = tag.group(1)
        if kind.lower() in PROMPT_SEGMENT_KINDS and kind not in PROMPT_SEGMENT_KINDS:
            return f"write '#{kind}[' in lower case: '#{kind.lower()}['"
        if kind not in PROMPT_SEGMENT_KINDS:
            return (
                f"unknown prompt segment '#{kind}[' "
                f"(use #tts[...], #ssml[...] or #href[...] joined by ';')"
            )
        close = _segment_close(text, tag.end())
        if close < 0:
            return f"'#{kind}[' is not closed with ']'"
        inner = text[tag.end() : close].strip()
        if not inner:
            return f"'#{kind}[]' is empty"
        if kind == "href" and not _URL.match(inner):
            return f"#href[{_short(inner)}] is not an http(s) URL"
        if kind == "ssml" and not (inner.startswith("<speak") and inner.endswith("</speak>")):
            return f"#ssml[...] must hold one <speak>...</speak> document, not {_short(inner)!r}"
        pos = text.find(";", close + 1)
        pos = end if pos < 0 else pos + 1
    return None


def schedule_errors(schedule: dict[str, Any]) -> list[Problem]:
    """Ranges that are well-formed text but impossible: start not before end, past 24:00.

    Paths are relative to the schedule (``mon[0]``).  Ranges of the wrong
    shape are left to the pattern check, which explains the expected form.
    """
    out: list[Problem] = []
    for day, ranges in schedule.items():
        if not isinstance(ranges, list):
            continue
        for i, item in enumerate(ranges):
            m = _RANGE.match(item) if isinstance(item, str) else None
            if m is None:
                continue
            h1, m1, h2, m2 = (int(g) for g in m.groups())
            start, stop = h1 * 60 + m1, h2 * 60 + m2
            if stop > 24 * 60:
                out.append((f"{day}[{i}]", f"range {item!r} ends after 24:00"))
            elif start >= stop:
                out.append((f"{day}[{i}]", f"range {item!r} does not start before it ends"))
    return out


# --- the schema interpreter ---------------------------------------------------
#
# Each schema is compiled once into a closure ``check(value, path, ctx, out)``
# that appends problems to ``out``.  Validation runs over every node of flows
# with thousands of them, so the happy path of each closure is a handful of
# comparisons; messages are only built for values that are wrong.

Check = Callable[[Any, str, "_Context", list[Problem]], None]


class _Context:
    """Who is being checked, for messages."""

    __slots__ = ("label", "limit")

    def __init__(self, node_type: NodeType) -> None:
        self.label = node_type.label
        # Limits of parameters sent to Sinch are Sinch's; the others are ours.
        self.limit = "Sinch allows" if node_type.svaml else "the limit is"

    def name(self, path: str) -> str:
        return f"{self.label} {path}" if path else self.label


_COMPILED: dict[str, tuple[NodeType, Check, _Context]] = {}


def _compiled(node_type: NodeType) -> tuple[Check, _Context]:
    hit = _COMPILED.get(node_type.type)
    if hit is None or hit[0] is not node_type:
        schema = {"type": "object", "properties": node_type.params, "required": node_type.required}
        hit = _COMPILED[node_type.type] = (node_type, _compile(schema), _Context(node_type))
    return hit[1], hit[2]


def _compile(schema: dict[str, Any]) -> Check:
    factory = {
        "string": _string,
        "integer": _integer,
        "boolean": _boolean,
        "array": _array,
        "object": _object,
    }.get(schema.get("type", ""))
    return _anything if factory is None else factory(schema)


def _anything(value: Any, path: str, ctx: _Context, out: list[Problem]) -> None:
    return None


def _string(schema: dict[str, Any]) -> Check:
    low = schema.get("minLength") or 0
    high = schema.get("maxLength")
    max_bytes = schema.get("maxBytes")
    templated_ok = bool(schema.get("x-template"))
    fmt = schema.get("x-format")
    parse = templated_ok or fmt == "template"
    enum = schema.get("enum")
    enum_set = frozenset(enum) if enum is not None else None
    pattern = schema.get("pattern")
    regex = re.compile(pattern) if pattern is not None else None
    iso_date = pattern == _ISO_DATE
    fmt_check = _FORMAT_CHECKS.get(fmt or "")
    has_form = enum_set is not None or regex is not None

    def check(value: Any, path: str, ctx: _Context, out: list[Problem]) -> None:
        if not isinstance(value, str):
            out.append((path, f"{ctx.name(path)} must be text, not {json_kind(value)}"))
            return
        n = len(value)
        if n < low:
            what = "is empty" if n == 0 else f"is {n} characters; at least {low} needed"
            out.append((path, f"{ctx.name(path)} {what}"))
        if high is not None and n > high:
            out.append((path, f"{ctx.name(path)} is {n} characters; {ctx.limit} at most {high}"))
        if max_bytes is not None and n * 4 > max_bytes:  # only count when it could matter
            size = utf8_len(value)
            if size > max_bytes:
                out.append(
                    (
                        path,
                        f"{ctx.name(path)} is {size} bytes in UTF-8; "
                        f"{ctx.limit} at most {max_bytes}",
                    )
                )
        # Values far over any limit are not worth parsing: their length is the news.
        small = n <= _MAX_PARSE_CHARS
        if parse and small and "{" in value:
            error = template_error(value)
            if error:
                out.append((path, f"{ctx.name(path)} has a template error {error}"))
                return
        # Enum and pattern describe the rendered value: a template is only known in a call.
        if has_form and not (templated_ok and _TEMPLATE_MARK.search(value)):
            if enum_set is not None and value not in enum_set:
                out.append((path, _enum_message(ctx, path, value, enum, fmt)))
                return
            if regex is not None and not regex.search(value):
                out.append((path, _pattern_message(ctx, path, value, schema)))
                return
            if iso_date and not _is_date(value):
                out.append((path, f"{ctx.name(path)} {_show(value)} is not a calendar date"))
                return
        if fmt_check is not None and small:
            error = fmt_check(value)
            if error:
                out.append((path, f"{ctx.name(path)} {error}"))

    return check


def _integer(schema: dict[str, Any]) -> Check:
    low, high = schema.get("minimum"), schema.get("maximum")

    def check(value: Any, path: str, ctx: _Context, out: list[Problem]) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            out.append((path, f"{ctx.name(path)} must be a whole number, not {json_kind(value)}"))
        elif low is not None and value < low:
            out.append((path, f"{ctx.name(path)} is {value}; {ctx.limit} at least {low}"))
        elif high is not None and value > high:
            out.append((path, f"{ctx.name(path)} is {value}; {ctx.limit} at most {high}"))

    return check


def _boolean(schema: dict[str, Any]) -> Check:
    def check(value: Any, path: str, ctx: _Context, out: list[Problem]) -> None:
        if not isinstance(value, bool):
            out.append((path, f"{ctx.name(path)} must be true or false, not {json_kind(value)}"))

    return check


def _array(schema: dict[str, Any]) -> Check:
    low = schema.get("minItems") or 0
    high = schema.get("maxItems")
    unique = bool(schema.get("uniqueItems"))
    items = _compile(schema["items"]) if "items" in schema else None
    # Items are checked up to a bound: a list far over its limit is reported
    # by its length, not once per excess entry.
    bound = max(high or 0, 100)

    def check(value: Any, path: str, ctx: _Context, out: list[Problem]) -> None:
        if not isinstance(value, list):
            out.append((path, f"{ctx.name(path)} must be a list, not {json_kind(value)}"))
            return
        n = len(value)
        if n < low:
            need = "at least one entry" if low == 1 else f"at least {low} entries"
            out.append((path, f"{ctx.name(path)} needs {need}"))
        if high is not None and n > high:
            out.append((path, f"{ctx.name(path)} has {n} entries; {ctx.limit} at most {high}"))
        if unique:
            seen: set[Any] = set()
            for item in value:
                key = _hashable(item)
                if key in seen:
                    out.append((path, f"{ctx.name(path)} lists {_show(item)} more than once"))
                    break
                seen.add(key)
        if items is not None:
            for i, item in enumerate(value[:bound]):
                items(item, f"{path}[{i}]", ctx, out)

    return check


def _object(schema: dict[str, Any]) -> Check:
    props = {key: _compile(sub) for key, sub in schema.get("properties", {}).items()}
    required = tuple(schema.get("required") or ())
    known = ", ".join(props) or "none"
    schedule = schema.get("x-format") == "schedule"

    def check(value: Any, path: str, ctx: _Context, out: list[Problem]) -> None:
        if not isinstance(value, dict):
            out.append((path, f"{ctx.name(path)} must be an object, not {json_kind(value)}"))
            return
        prefix = f"{path}." if path else ""
        for key in required:
            if value.get(key) is None:
                out.append((prefix + key, f"{ctx.name(path)} needs {key!r}"))
        for key, item in value.items():
            sub = props.get(key)
            if sub is None:
                thing = "field" if path else "parameter"
                out.append(
                    (
                        f"{prefix}{key}",
                        f"{ctx.name(path)} has no {thing} {_show(key)}"
                        f"{_suggest(key, props)} (known: {known})",
                    )
                )
            elif item is None or (item == "" and key not in required):
                continue  # left empty in the form: the default applies
            else:
                sub(item, prefix + key, ctx, out)
        if schedule:
            for sub_path, message in schedule_errors(value):
                out.append((prefix + sub_path, f"{ctx.name(path)} {message}"))

    return check


def _prompt_check(value: str) -> str | None:
    error = prompt_error(value)
    return f"is not a valid prompt: {error}" if error else None


def _expression_check(value: str) -> str | None:
    error = expression_error(value)
    return f"is not a valid expression: {error}" if error else None


def _timezone_check(value: str) -> str | None:
    if value in _timezones():
        return None
    hint = _suggest(value, _timezones()) or " (use a name such as Europe/Stockholm)"
    return f"{_show(value)} is not a known time zone{hint}"


_FORMAT_CHECKS: dict[str, Callable[[str], str | None]] = {
    "prompt": _prompt_check,
    "expression": _expression_check,
    "timezone": _timezone_check,
}


def _enum_message(ctx: _Context, path: str, value: str, enum: list[Any], fmt: str | None) -> str:
    what = "a locale Sinch speaks" if fmt == "locale" else "one of the allowed values"
    head = f"{ctx.name(path)} {_show(value)} is not {what}"
    hint = _suggest(value, enum)
    if hint:
        return head + hint
    if len(enum) <= _ENUM_LIST_MAX:
        return f"{head} ({', '.join(map(str, enum))})"
    return f"{head} (e.g. {', '.join(map(str, enum[:5]))}, ...)"


def _pattern_message(ctx: _Context, path: str, value: str, schema: dict[str, Any]) -> str:
    pattern = schema["pattern"]
    head = f"{ctx.name(path)} {_show(value)}"
    char_class = _CHAR_CLASS_PATTERN.match(pattern)
    if char_class and value:
        allowed = re.compile(char_class.group(1))
        bad = sorted({c for c in value if not allowed.fullmatch(c)})
        if bad:
            shown = ", ".join(repr(c) for c in bad[:10])
            return (
                f"{head} has characters that are not allowed: {shown} "
                f"(allowed: {char_class.group(1)})"
            )
    form = _FORMAT_HINTS.get(schema.get("x-format") or "") or _PATTERN_HINTS.get(pattern)
    if form:
        return f"{head} is not {form}"
    if schema.get("description"):
        return f"{head} is not valid: {schema['description']}"
    return f"{head} does not have the required form {pattern}"


# --- helpers --------------------------------------------------------------------


def utf8_len(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (a lone surrogate counts as the 3 bytes it would take)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _unset(value: Any) -> bool:
    """A parameter the form left empty: null or ''.  Optional ones then take their default."""
    return value is None or value == ""


def _unclosed(source: str) -> str | None:
    """The commonest slip, found without Jinja: a ``{{`` or ``{%`` that nothing closes.

    Only openers after the last closer of their kind can be unclosed.
    """
    for opener, closer in (("{{", "}}"), ("{%", "%}")):
        last_close = source.rfind(closer)
        at = source.find(opener, last_close + 2 if last_close >= 0 else 0)
        if at >= 0:
            line = source.count("\n", 0, at) + 1
            return f"on line {line}: {opener!r} is never closed with {closer!r}"
    return None


def _compile_error(source: str) -> str | None:
    """The runtime's verdict on a template, cached for short ones: the editor
    validates after every edit, and most templates do not change between two."""
    if len(source) > _CACHED_SOURCE_MAX:
        return _runtime_verdict(source)
    return _cached_verdict(source)


def _runtime_verdict(source: str) -> str | None:
    try:
        templates.check(source)
    except TemplateError as exc:
        return _template_message(exc.message)
    return None


_cached_verdict = lru_cache(maxsize=4096)(_runtime_verdict)


@lru_cache(maxsize=256)
def _known_filter(name: str) -> bool:
    """Whether the runtime's sandbox offers the filter ``name``; it alone decides."""
    return _compile_error("{{ x|" + name + " }}") is None


def _uses_reserved(source: str) -> bool:
    return any(word in _RESERVED for word in _WORD.findall(source))


def _template_message(message: str) -> str:
    for prefix in ("template syntax error ", "template "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _segment_close(text: str, start: int) -> int:
    """Index of the ']' closing a ``#kind[`` segment: the first one that ends the segment."""
    pos = start
    while True:
        close = text.find("]", pos)
        if close < 0:
            return -1
        rest = close + 1
        while rest < len(text) and text[rest].isspace():
            rest += 1
        if rest == len(text) or text[rest] == ";":
            return close
        pos = close + 1


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _suggest(value: Any, choices: Any) -> str:
    """'; did you mean X?' for a near miss (case or a typo), else ''."""
    if not isinstance(value, str) or len(value) > 100:
        return ""
    return _near_miss(value, tuple(sorted(map(str, choices))))


@lru_cache(maxsize=1024)
def _near_miss(value: str, choices: tuple[str, ...]) -> str:
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return f"; did you mean {lowered[value.lower()]!r}?"
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.8)
    return f"; did you mean {close[0]!r}?" if close else ""


def json_kind(value: Any) -> str:
    """A JSON value's type as a flow's author names it (never a Python type name)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: Any) -> str:
    return repr(_short(value)) if isinstance(value, str) else _short(repr(value))


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return ("list", tuple(_hashable(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _hashable(v)) for k, v in value.items())))
    return (type(value).__name__, value)
