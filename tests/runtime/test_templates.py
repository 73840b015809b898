"""Flow templates: what a template may use, and everything the sandbox refuses."""

from __future__ import annotations

import pytest

from designer import templates
from designer.errors import TemplateError

CTX = templates.make_context(
    {"cli": "+46701234567", "to": "+46850000000"}, {"pin": "1234", "name": "Ada"}, "12#"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain text {not a template}", "Plain text {not a template}"),
        ("Hello {{ call.cli }}", "Hello +46701234567"),
        ("You called {{ call.to }}", "You called +46850000000"),
        ("PIN {{ vars.pin }}, keys {{ digits }}", "PIN 1234, keys 12#"),
        ("[{{ vars.missing }}][{{ vars.missing.deeper }}]", "[][]"),
        ("{{ vars.name|upper }} {{ vars.pin|replace('1', 'one') }}", "ADA one234"),
        ("{% for d in vars.pin %}{{ d }} {% endfor %}", "1 2 3 4 "),
        ("{% if call.cli.startswith('+46') %}Sweden{% else %}abroad{% endif %}", "Sweden"),
        ("{{ vars.get('pin', 'none') }}", "1234"),
        ("{{ 6 * 7 }} {{ 2 ** 10 }} {{ 7 % 3 }}", "42 1024 1"),
    ],
)
def test_render(text, expected):
    assert templates.render(text, CTX) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ 'a' * 100000 }}", "repetition"),
        ("{{ 2 ** 100000 }}", "exponents"),
        ("{{ '%999999999d' % 1 }}", "formatting"),
        ("{{ '{:>999999999}'.format(1) }}", "not allowed"),
        ("{{ call.cli.__class__.__mro__ }}", "not allowed|unsafe|undefined"),
        ("{{ vars.pin.zfill(999999999) }}", "not allowed|unsafe"),
        ("{% set x = 1 %}", "'set'"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "macros"),
        ("{% for a in range(9) %}{% for b in range(9) %}x{% endfor %}{% endfor %}", "nested"),
        ("{{ range(100000)|list }}", "range"),
        ("{% for i in range(900) %}0123456789{% endfor %}", "exceeds"),
        ("{% include 'x' %}", "include"),
        ("{{ lipsum() }}", "undefined"),
        ("{{ unclosed", "syntax"),
        ("{{ vars.pin|center(9999) }}", "filter"),
        ("{{ x }}" * 1000, "at most"),
    ],
)
def test_the_sandbox_refuses(text, reason):
    with pytest.raises(TemplateError, match=reason):
        templates.render(text, CTX)


def test_output_is_bounded_per_field():
    assert templates.render("{{ vars.pin }}", CTX, max_chars=4) == "1234"
    with pytest.raises(TemplateError, match="exceeds 3"):
        templates.render("{{ vars.pin }}", CTX, max_chars=3)
    with pytest.raises(TemplateError):
        templates.render("x" * 10, CTX, max_chars=5)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("vars.pin == '1234'", True),
        ("vars.pin == '0000'", False),
        ("vars.missing", False),
        ("vars.missing == '1'", False),
        ("digits|length > 2", True),
        ("call.cli.startswith('+46') and vars.name in ['Ada', 'Bob']", True),
    ],
)
def test_branch_expressions(expression, expected):
    assert templates.truthy(expression, CTX) is expected


@pytest.mark.parametrize(
    "expression",
    ["vars.pin ==", "().__class__.__subclasses__()", "'a' * 10**6", "__import__('os')"],
)
def test_bad_expressions_are_template_errors(expression):
    with pytest.raises(TemplateError):
        templates.truthy(expression, CTX)


def test_render_value_walks_nested_parameters():
    value = {"destination": {"endpoint": "{{ vars.name }}@sip.example.com"}, "n": 3}
    assert templates.render_value(value, CTX) == {
        "destination": {"endpoint": "Ada@sip.example.com"},
        "n": 3,
    }
