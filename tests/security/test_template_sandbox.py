"""The flow template sandbox against a hostile flow author.

Templates run while a caller waits, on the server, written by anyone who may
edit a flow.  Besides what ``tests/runtime/test_templates.py`` covers, these
are the escapes and the amplifications: one short template must not reach
Python internals, nor cost more than a moment of CPU and a little memory.
Each case has a deadline well under the 5 s Sinch waits.
"""

from __future__ import annotations

import time

import pytest

from designer import templates
from designer.errors import TemplateError

CTX = templates.make_context({"cli": "+46701234567"}, {"pin": "1234"}, "12#")
FAST = 0.5  # seconds; each of these takes milliseconds when refused properly


@pytest.mark.parametrize(
    "text",
    [
        "{{ self.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ call.__class__.__base__.__subclasses__() }}",
        "{{ vars.items.__self__ }}",
        "{{ vars.get.__globals__ }}",
        "{{ digits.__len__ }}",
        "{{ ''.__class__.__mro__[1] }}",
        "{{ call.cli|attr('__class__') }}",
        "{{ (vars|list).append(1) }}",
        "{{ vars.update({'pin': 0}) }}",
        "{{ vars.pin.format_map(call) }}",
        "{{ range.__self__ }}",
        "{{ config }}{{ request }}{{ session }}{{ g }}{{ url_for('x') }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{% import 'os' as os %}",
        "{% from 'x' import y %}",
        "{% extends 'base.html' %}",
    ],
)
def test_no_way_to_python_internals(text: str) -> None:
    try:
        rendered = templates.render(text, CTX)
    except TemplateError:
        return
    # What renders at all renders as nothing: undefined names, never an object.
    assert rendered == "", rendered


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{% for s in vars.pin|slice(100000000) %}{% endfor %}", "slice"),
        ("{{ vars.pin|slice(10000000)|list|length }}", "slice"),
        ("{{ range(1)|batch(1000000000, 'x')|list|length }}", "batch"),
        ("{% for b in range(1)|batch(100000000, 'x') %}{% endfor %}", "batch"),
        ("{{ (((10 ** 64) ** 64) ** 64) ** 64 > 1 }}", "bits"),
        ("{{ ((10 ** 64) ** 64) * ((10 ** 64) ** 64) * 10 > 1 }}", "bits"),
        ("{{ 'ab'.replace('a', 'a' * 4000).replace('a', 'a' * 4000) }}", "grew"),
        ("{{ range(1000)|map('string')|join('x' * 3000) }}", "grew"),
        ("{{ [call.cli] * 100000 }}", "repetition"),
        ("{% for i in range(1000) %}{{ call.cli }}{% endfor %}", "exceeds"),
        ("{{ vars.pin|truncate(10) * 10000 }}", "repetition"),
    ],
)
def test_amplification_is_cut_short(text: str, reason: str) -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateError, match=reason):
        templates.render(text, CTX)
    assert time.perf_counter() - started < FAST


def test_amplification_in_branch_conditions_too() -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateError, match="bits"):
        templates.truthy("(((10 ** 64) ** 64) ** 64) ** 64 > 1", CTX)
    with pytest.raises(TemplateError, match="slice"):
        templates.truthy("vars.pin|slice(100000000)|list", CTX)
    assert time.perf_counter() - started < FAST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ vars.pin|slice(2)|list }}", "[['1', '2'], ['3', '4']]"),
        ("{{ range(5)|batch(2, 0)|list }}", "[[0, 1], [2, 3], [4, 0]]"),
        ("{{ 2 ** 64 * 2 ** 64 }}", str(2**128)),
        ("{{ 10 ** 64 }}", str(10**64)),
    ],
)
def test_ordinary_use_still_works(text: str, expected: str) -> None:
    assert templates.render(text, CTX) == expected


def test_the_output_of_a_field_is_bounded() -> None:
    assert len(templates.render("{% for i in range(400) %}0123456789{% endfor %}", CTX)) == 4000
    with pytest.raises(TemplateError, match="exceeds 4096"):
        templates.render("{% for i in range(410) %}0123456789{% endfor %}", CTX)
