"""Callback signing: the reference vectors and every must-fail case, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from designer import signing
from designer.errors import SignatureInvalid


def _lookup(vector):
    return lambda key: vector["secret"] if key == vector["key"] else None


def _verify(vector, **changes):
    args = {
        "authorization_header": vector["authorization"],
        "method": vector["method"],
        "content_type": vector["content_type"],
        "x_timestamp": vector["x_timestamp"],
        "path": vector["path"],
        "body": vector["body"].encode(),
        "key_lookup": _lookup(vector),
    }
    args.update(changes)
    return signing.verify(**args)


def test_vectors_sign_and_verify(signing_vectors):
    for v in signing_vectors["vectors"]:
        assert signing.content_md5(v["body"]) == v["content_md5"], v["name"]
        sig = signing.sign(v["secret"], v["method"], v["content_type"], v["x_timestamp"],
                           v["path"], v["body"])  # fmt: skip
        assert sig == v["signature"], v["name"]
        header = signing.authorization(v["key"], v["secret"], v["method"], v["content_type"],
                                       v["x_timestamp"], v["path"], v["body"])  # fmt: skip
        assert header == v["authorization"]
        assert _verify(v) == v["key"]


def test_empty_body_signs_an_empty_md5():
    assert signing.content_md5(b"") == ""
    assert signing.string_to_sign("post", "", "t", "/p", None) == "POST\n\n\nx-timestamp:t\n/p"


def _one_char_changed(sig: str) -> str:
    return ("A" if sig[0] != "A" else "B") + sig[1:]


MUST_FAIL = {
    "another path": {"path": "/voice/other"},
    "another method": {"method": "PUT"},
    "another x-timestamp": {"x_timestamp": "2014-09-24T10:59:42Z"},
    "another content type": {"content_type": "text/plain"},
    "one byte changed in the body": "body",
    "scheme other than application": "scheme",
    "wrong key": "key",
    "signature changed by one character": "signature",
    "Authorization header missing": {"authorization_header": None},
    "x-timestamp header missing": {"x_timestamp": None},
}


@pytest.mark.parametrize("case", sorted(MUST_FAIL))
def test_must_fail_cases_are_refused_with_a_reason(signing_vectors, case):
    for v in signing_vectors["vectors"]:
        change = MUST_FAIL[case]
        key, sig = v["authorization"].removeprefix("application ").rsplit(":", 1)
        if change == "body":
            body = bytearray(v["body"].encode())
            body[10] ^= 0x01
            change = {"body": bytes(body)}
        elif change == "scheme":
            change = {"authorization_header": f"basic {key}:{sig}"}
        elif change == "key":
            change = {"authorization_header": f"application other-key:{sig}"}
        elif change == "signature":
            change = {"authorization_header": f"application {key}:{_one_char_changed(sig)}"}
        with pytest.raises(SignatureInvalid) as info:
            _verify(v, **change)
        assert info.value.message, case
        assert v["secret"] not in info.value.message
        assert v["signature"] not in info.value.message


def test_wrong_key_that_is_known_fails_on_the_signature(signing_vectors):
    v = signing_vectors["vectors"][0]
    other = signing_vectors["vectors"][1]
    header = f"application {other['key']}:{v['signature']}"
    lookup = {v["key"]: v["secret"], other["key"]: other["secret"]}.get
    with pytest.raises(SignatureInvalid, match="does not match"):
        _verify(v, authorization_header=header, key_lookup=lookup)


def test_replay_window(signing_vectors):
    v = signing_vectors["vectors"][0]
    sent = signing.parse_timestamp(v["x_timestamp"])
    assert _verify(v, now=sent + timedelta(minutes=9)) == v["key"]
    with pytest.raises(SignatureInvalid, match="away from the server clock"):
        _verify(v, now=sent + timedelta(minutes=11))
    with pytest.raises(SignatureInvalid, match="away from the server clock"):
        _verify(v, now=sent - timedelta(minutes=11))
    assert _verify(v, now=sent + timedelta(hours=1), replay_window=timedelta(hours=2))


def test_timestamps_with_fractions_and_offsets_parse():
    assert signing.parse_timestamp("2023-11-22T09:10:11.999Z") == datetime(
        2023, 11, 22, 9, 10, 11, 999000, tzinfo=UTC
    )
    assert signing.parse_timestamp("2023-11-22T10:10:11+01:00").hour == 9
    with pytest.raises(SignatureInvalid, match="not an ISO-8601"):
        signing.parse_timestamp("yesterday")


@pytest.mark.parametrize(
    "header", ["", "application", "application nokey", "application :sig", "application key:"]
)
def test_malformed_headers(header):
    with pytest.raises(SignatureInvalid):
        signing.parse_authorization(header)


def test_a_secret_that_is_not_base64_is_named_not_shown():
    with pytest.raises(SignatureInvalid, match="not valid base64") as info:
        signing.sign("%%%not-base64%%%", "POST", "application/json", "t", "/p", b"{}")
    assert "%%%" not in info.value.message
