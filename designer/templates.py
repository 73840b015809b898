"""Templates in flow text fields, rendered per call in a locked-down sandbox.

A flow is data written by users and executed while a caller waits, so a
template must neither reach Python internals nor burn the 5 seconds Sinch
waits for an answer.  The environment is Jinja2's
``ImmutableSandboxedEnvironment`` narrowed further:

- names: ``call`` (``cli``, ``to``, ``callid``, ``locale``), ``vars`` and
  ``digits`` (the last keys the caller entered), plus a capped ``range``;
- statements that could hide unbounded work are refused when the template is
  compiled: assignments, ``with``, macros, call/filter blocks, imports,
  includes, inheritance, recursive or nested loops;
- only a whitelist of filters and of ``str`` methods is available, each
  result is size-checked, and ``*``, ``**`` and ``%`` are bounded;
- the rendered output is capped (``max_chars``).

Every failure is a ``designer.errors.TemplateError`` whose message says what
is wrong; nothing here calls ``eval``.  ``evaluate`` runs the ``when``
expressions of ``branch`` nodes the same way.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from designer.errors import TemplateError

MAX_OUTPUT = 4096  # characters a rendered field may have (Say allows 600)
MAX_VALUE = 8192  # size of any intermediate string or list
MAX_RANGE = 1000
MAX_LOOP_DEPTH = 1
MAX_SOURCE = 4000
MAX_POWER_EXPONENT = 64
MAX_INT_BITS = 16384  # integers up to about 4900 digits: arithmetic on them stays instant

_FORBIDDEN_NODES: dict[type, str] = {
    nodes.Assign: "'set' is not allowed in flow templates",
    nodes.AssignBlock: "'set' blocks are not allowed in flow templates",
    nodes.With: "'with' is not allowed in flow templates",
    nodes.Macro: "macros are not allowed in flow templates",
    nodes.CallBlock: "'call' blocks are not allowed in flow templates",
    nodes.FilterBlock: "'filter' blocks are not allowed in flow templates",
    nodes.Import: "imports are not allowed in flow templates",
    nodes.FromImport: "imports are not allowed in flow templates",
    nodes.Include: "includes are not allowed in flow templates",
    nodes.Extends: "'extends' is not allowed in flow templates",
    nodes.Block: "blocks are not allowed in flow templates",
}

_SAFE_FILTERS = (
    "abs", "capitalize", "default", "d", "first", "float", "int", "join", "last", "length",
    "count", "list", "lower", "max", "min", "replace", "reverse", "round", "string", "sort",
    "title", "trim", "truncate", "upper", "unique", "wordcount", "map", "select", "reject",
    "selectattr", "rejectattr", "sum", "batch", "slice",
)  # fmt: skip

_SAFE_STR_METHODS = frozenset(
    {"startswith", "endswith", "upper", "lower", "strip", "lstrip", "rstrip", "isdigit",
     "isalpha", "isalnum", "title", "capitalize", "split", "count", "find", "replace",
     "removeprefix", "removesuffix"}
)  # fmt: skip
_SAFE_DICT_METHODS = frozenset({"get", "keys", "values", "items"})


def _check_size(value: Any) -> Any:
    if isinstance(value, str | bytes | list | tuple | dict) and len(value) > MAX_VALUE:
        raise TemplateError(f"a template value grew beyond {MAX_VALUE} characters/items")
    return value


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        return _check_size(fn(*args, **kwargs))

    run.__name__ = getattr(fn, "__name__", "filter")
    # keep Jinja's pass_context/pass_environment markers working
    for marker in ("jinja_pass_arg",):
        if hasattr(fn, marker):
            setattr(run, marker, getattr(fn, marker))
    return run


def _safe_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise TemplateError(f"range() is limited to {MAX_RANGE} items in flow templates")
    return r


def _check_int_size(bits: int) -> None:
    # Python integers have no size limit: a few nested ** or * would otherwise
    # compute numbers of gigabytes for seconds or hours while a caller waits.
    if bits > MAX_INT_BITS:
        raise TemplateError(f"numbers are limited to {MAX_INT_BITS} bits in flow templates")


def _multiply(left: Any, right: Any) -> Any:
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_VALUE:
            raise TemplateError(f"repetition would exceed {MAX_VALUE} characters/items")
    if isinstance(left, int) and isinstance(right, int):
        _check_int_size(left.bit_length() + right.bit_length())
    return operator.mul(left, right)


def _power(left: Any, right: Any) -> Any:
    if isinstance(right, int | float) and abs(right) > MAX_POWER_EXPONENT:
        raise TemplateError(f"exponents are limited to {MAX_POWER_EXPONENT} in flow templates")
    if isinstance(left, int) and isinstance(right, int) and right > 0:
        _check_int_size(left.bit_length() * right)
    return operator.pow(left, right)


def _bounded_count(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``slice``/``batch``: their count makes that many items from any input, so cap it."""

    passed = hasattr(fn, "jinja_pass_arg")  # Jinja hands a context first: (ctx, value, count)

    def run(*args: Any, **kwargs: Any) -> Any:
        at = 2 if passed else 1
        count = args[at] if len(args) > at else kwargs.get("slices", kwargs.get("linecount"))
        if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= MAX_RANGE:
            raise TemplateError(f"{name}() takes a count from 1 to {MAX_RANGE} in flow templates")
        return _check_size(list(fn(*args, **kwargs)))

    run.__name__ = name
    if passed:
        run.jinja_pass_arg = fn.jinja_pass_arg  # type: ignore[attr-defined]
    return run


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        raise TemplateError("'%' string formatting is not allowed; use {{ ... }} instead")
    return operator.mod(left, right)


class _FlowSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with bounded operators, attribute whitelist and checked calls."""

    intercepted_binops = frozenset({"*", "**", "%"})
    intercepted_unops = frozenset()

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "*":
            return _check_size(_multiply(left, right))
        if op == "**":
            return _power(left, right)
        if op == "%":
            return _modulo(left, right)
        return super().call_binop(context, op, left, right)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, Undefined) and isinstance(value, Undefined):
            return True  # vars.missing.deeper stays undefined (renders empty)
        if callable(value):
            if isinstance(obj, str):
                return attr in _SAFE_STR_METHODS
            if isinstance(obj, Mapping):
                return attr in _SAFE_DICT_METHODS
            return False
        return super().is_safe_attribute(obj, attr, value)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        """Refuse outright (Jinja would render an empty string and hide the mistake)."""
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} is not allowed"
        )

    def wrap_str_format(self, value: Any) -> None:
        """``str.format`` can pad to any width: it is simply not offered."""
        return None

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        return _check_size(super().call(__context, __obj, *args, **kwargs))


def _make_env() -> _FlowSandbox:
    env = _FlowSandbox(undefined=ChainableUndefined, autoescape=False, auto_reload=False)
    env.filters = {name: _guarded(env.filters[name]) for name in _SAFE_FILTERS}
    for name in ("slice", "batch"):
        env.filters[name] = _bounded_count(name, env.filters[name])
    env.tests = dict(env.tests)
    env.globals = {"range": _safe_range}
    return env


_ENV = _make_env()


def _check_ast(tree: nodes.Node) -> None:
    def visit(node: nodes.Node, loops: int) -> None:
        message = _FORBIDDEN_NODES.get(type(node))
        if message:
            raise TemplateError(message)
        if isinstance(node, nodes.For):
            if node.recursive:
                raise TemplateError("recursive loops are not allowed in flow templates")
            loops += 1
            if loops > MAX_LOOP_DEPTH:
                raise TemplateError("nested loops are not allowed in flow templates")
        for child in node.iter_child_nodes():
            visit(child, loops)

    visit(tree, 0)


def _describe(exc: Exception) -> str:
    if isinstance(exc, TemplateSyntaxError):
        return f"template syntax error on line {exc.lineno}: {exc.message}"
    if isinstance(exc, SecurityError):
        return f"template not allowed: {exc}"
    if isinstance(exc, UndefinedError):
        return f"template uses something undefined: {exc.message}"
    if isinstance(exc, RecursionError):
        return "template nests too deeply"
    return f"template failed: {type(exc).__name__}: {exc}"


@lru_cache(maxsize=2048)
def _compile_template(source: str) -> Any:
    if len(source) > MAX_SOURCE:
        raise TemplateError(f"a template may have at most {MAX_SOURCE} characters")
    try:
        _check_ast(_ENV.parse(source))
        return _ENV.from_string(source)
    except TemplateError:
        raise
    except Exception as exc:
        raise TemplateError(_describe(exc), details={"template": source[:200]}) from None


@lru_cache(maxsize=2048)
def _compile_expression(source: str) -> Any:
    if len(source) > MAX_SOURCE:
        raise TemplateError(f"an expression may have at most {MAX_SOURCE} characters")
    try:
        # parse as a template to reuse the same statement checks
        _check_ast(_ENV.parse("{{ (" + source + ") }}"))
        return _ENV.compile_expression(source, undefined_to_none=False)
    except TemplateError:
        raise
    except Exception as exc:
        raise TemplateError(_describe(exc), details={"expression": source[:200]}) from None


def is_template(text: str) -> bool:
    """True when ``text`` has Jinja syntax; plain text is returned untouched by ``render``."""
    return "{{" in text or "{%" in text or "{#" in text


def check(text: str) -> None:
    """Raise ``TemplateError`` when ``text`` would not compile (for validation)."""
    if is_template(text):
        _compile_template(text)


def check_expression(source: str) -> None:
    """Raise ``TemplateError`` when a ``when`` expression would not compile."""
    _compile_expression(source)


def make_context(
    call: Mapping[str, Any] | None = None,
    variables: Mapping[str, Any] | None = None,
    digits: str | None = None,
) -> dict[str, Any]:
    """The names a flow template sees: ``call``, ``vars`` and ``digits``."""
    return {"call": dict(call or {}), "vars": dict(variables or {}), "digits": digits or ""}


def render(text: str, context: Mapping[str, Any], max_chars: int = MAX_OUTPUT) -> str:
    """Render one text field; the output is at most ``max_chars`` characters."""
    if not is_template(text):
        if len(text) > max_chars:
            raise TemplateError(f"text has {len(text)} characters; at most {max_chars} allowed")
        return text
    template = _compile_template(text)
    parts: list[str] = []
    size = 0
    try:
        for chunk in template.generate(dict(context)):
            size += len(chunk)
            if size > max_chars:
                raise TemplateError(f"rendered text exceeds {max_chars} characters")
            parts.append(chunk)
    except TemplateError:
        raise
    except Exception as exc:
        raise TemplateError(_describe(exc), details={"template": text[:200]}) from None
    return "".join(parts)


def render_value(value: Any, context: Mapping[str, Any], max_chars: int = MAX_OUTPUT) -> Any:
    """Render every string inside ``value`` (dicts and lists walked), other types kept."""
    if isinstance(value, str):
        return render(value, context, max_chars)
    if isinstance(value, list):
        return [render_value(v, context, max_chars) for v in value]
    if isinstance(value, dict):
        return {k: render_value(v, context, max_chars) for k, v in value.items()}
    return value


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """The value of a template expression such as ``vars.pin == '1234'``."""
    compiled = _compile_expression(expression)
    try:
        return _check_size(compiled(**dict(context)))
    except TemplateError:
        raise
    except Exception as exc:
        raise TemplateError(_describe(exc), details={"expression": expression[:200]}) from None


def truthy(expression: str, context: Mapping[str, Any]) -> bool:
    """Whether a ``when`` expression holds (undefined values are false)."""
    value = evaluate(expression, context)
    if isinstance(value, ChainableUndefined):
        return False
    return bool(value)
