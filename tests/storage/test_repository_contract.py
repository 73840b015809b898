"""The Repository contract, run against every implementation (see conftest ``repo``)."""

from __future__ import annotations

import inspect
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from designer.errors import BadRequest, Conflict, NotFound, Unprocessable
from designer.repository import (
    Application,
    CallEvent,
    CallFilter,
    CallRecord,
    NumberBinding,
    Repository,
)
from designer.storage import MemoryRepository, SqlRepository
from tests.storage.samples import flow_doc

SECRET = "BeIukql3pTKJ8RGL5zo0DA=="


def published(repo: Repository, now: datetime, name: str = "Support line") -> str:
    flow = repo.create_flow(flow_doc(name), now)
    repo.publish(flow.id, "first", "tester", now)
    return flow.id


@pytest.mark.parametrize("implementation", [MemoryRepository, SqlRepository])
def test_implementations_have_the_protocol_signatures(implementation: type) -> None:
    members = [
        name
        for name, value in vars(Repository).items()
        if callable(value) and not name.startswith("_")
    ]
    hot_path = {"load_callback", "record_step", "routing_generation"}
    assert "save_callback_response" in members and hot_path <= set(members)
    assert len(members) == 32
    for name in members:
        expected = inspect.signature(getattr(Repository, name))
        actual = inspect.signature(getattr(implementation, name))
        assert list(actual.parameters) == list(expected.parameters), name
        defaults = [p.default for p in expected.parameters.values()]
        assert [p.default for p in actual.parameters.values()] == defaults, name


# --- applications -------------------------------------------------------------------
def test_application_round_trip_and_listing_by_key(repo: Repository, now: datetime) -> None:
    repo.add_application(Application(key="k2", secret=SECRET, name="Two", created_at=now))
    added = repo.add_application(Application(key="k1", name="One", created_at=now))
    assert added == Application(key="k1", secret=None, name="One", created_at=now)
    assert repo.get_application("k2").secret == SECRET
    assert [a.key for a in repo.list_applications()] == ["k1", "k2"]


def test_application_created_at_defaults_to_now_in_utc(repo: Repository) -> None:
    before = datetime.now(UTC)
    app = repo.add_application(Application(key="k"))
    assert app.created_at is not None and app.created_at.tzinfo is not None
    assert (
        before - timedelta(seconds=1)
        <= repo.get_application("k").created_at
        <= (datetime.now(UTC) + timedelta(seconds=1))
    )


def test_application_errors(repo: Repository, now: datetime) -> None:
    repo.add_application(Application(key="k", created_at=now))
    with pytest.raises(Conflict, match="'k' already exists"):
        repo.add_application(Application(key="k", created_at=now))
    with pytest.raises(NotFound, match="application 'nope' not found"):
        repo.get_application("nope")
    with pytest.raises(NotFound, match="'nope'"):
        repo.update_application(Application(key="nope"))
    with pytest.raises(NotFound, match="'nope'"):
        repo.delete_application("nope")
    with pytest.raises(Unprocessable, match="default flow 'ghost' does not exist"):
        repo.add_application(Application(key="k2", default_flow_id="ghost"))
    with pytest.raises(BadRequest, match="application key"):
        repo.add_application(Application(key=" "))
    assert [a.key for a in repo.list_applications()] == ["k"]


def test_update_application_replaces_fields_but_keeps_created_at(
    repo: Repository, now: datetime
) -> None:
    flow_id = repo.create_flow(flow_doc(), now).id
    repo.add_application(Application(key="k", secret=SECRET, name="Old", created_at=now))
    later = now + timedelta(days=1)
    updated = repo.update_application(
        Application(key="k", secret=None, name="New", default_flow_id=flow_id, created_at=later)
    )
    assert updated == Application(
        key="k", secret=None, name="New", default_flow_id=flow_id, created_at=now
    )
    assert repo.get_application("k") == updated


def test_delete_application_keeps_bindings_without_key(repo: Repository, now: datetime) -> None:
    flow_id = published(repo, now)
    repo.add_application(Application(key="k", created_at=now))
    repo.bind_number(NumberBinding("+46700000001", flow_id, application_key="k"), now)
    repo.delete_application("k")
    assert repo.get_binding("+46700000001").application_key is None
    with pytest.raises(NotFound):
        repo.get_application("k")


# --- flows ----------------------------------------------------------------------
def test_create_flow(repo: Repository, now: datetime) -> None:
    flow = repo.create_flow(flow_doc("Support line"), now)
    assert re.fullmatch(r"support-line-[a-z0-9]{8}", flow.id)
    assert (flow.name, flow.revision, flow.latest_version) == ("Support line", 1, None)
    assert flow.created_at == flow.updated_at == now
    assert flow.document == flow_doc("Support line")
    assert repo.get_flow(flow.id) == flow


def test_flow_ids_are_unique_and_url_safe(repo: Repository, now: datetime) -> None:
    ids = {repo.create_flow({"name": "Ünïcode / ?&#"}, now).id for _ in range(5)}
    ids.add(repo.create_flow({}, now).id)
    assert len(ids) == 6
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)


def test_flow_name_comes_from_document(repo: Repository, now: datetime) -> None:
    assert repo.create_flow({"name": "  Sales  "}, now).name == "Sales"
    assert repo.create_flow({"name": 42}, now).name == "Untitled flow"
    assert repo.create_flow({}, now).name == "Untitled flow"


def test_document_key_order_and_values_survive(repo: Repository, now: datetime) -> None:
    doc = {"z": 1, "a": {"y": [1, 2.5, None, True], "b": "ünï"}, "format": "callflow/1"}
    stored = repo.get_flow(repo.create_flow(doc, now).id).document
    assert stored == doc
    assert list(stored) == ["z", "a", "format"]
    assert list(stored["a"]) == ["y", "b"]


def test_documents_that_cannot_be_stored_are_refused(repo: Repository, now: datetime) -> None:
    with pytest.raises(BadRequest, match="JSON object"):
        repo.create_flow(["not", "an", "object"], now)  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match="cannot be stored as JSON"):
        repo.create_flow({"x": float("nan")}, now)
    with pytest.raises(BadRequest, match="cannot be stored as JSON"):
        repo.create_flow({"x": object()}, now)
    assert repo.list_flows() == []


def test_stored_documents_are_detached_from_callers(repo: Repository, now: datetime) -> None:
    doc = flow_doc()
    flow = repo.create_flow(doc, now)
    doc["nodes"].clear()
    flow.document["name"] = "changed"
    assert repo.get_flow(flow.id).document == flow_doc()
    repo.get_flow(flow.id).document["edges"].clear()
    assert repo.get_flow(flow.id).document == flow_doc()


def test_list_flows_by_name_with_latest_version(repo: Repository, now: datetime) -> None:
    b = repo.create_flow(flow_doc("beta"), now)
    a = repo.create_flow(flow_doc("Alpha"), now)
    c = repo.create_flow(flow_doc("gamma"), now)
    repo.publish(c.id, "", "t", now)
    repo.publish(c.id, "", "t", now)
    listed = repo.list_flows()
    assert [f.id for f in listed] == [a.id, b.id, c.id]
    assert [f.latest_version for f in listed] == [None, None, 2]


def test_update_flow_with_current_revision(repo: Repository, now: datetime) -> None:
    flow = repo.create_flow(flow_doc(), now)
    later = now + timedelta(minutes=5)
    updated = repo.update_flow(flow.id, flow_doc("Renamed", "Hi."), 1, later)
    assert (updated.revision, updated.name, updated.updated_at) == (2, "Renamed", later)
    assert updated.created_at == now
    assert repo.get_flow(flow.id) == updated


def test_update_flow_with_stale_revision_conflicts_and_changes_nothing(
    repo: Repository, now: datetime
) -> None:
    flow = repo.create_flow(flow_doc(), now)
    repo.update_flow(flow.id, flow_doc(text="two"), 1, now)
    with pytest.raises(Conflict, match="you edited revision 1, it is now at revision 2") as err:
        repo.update_flow(flow.id, flow_doc(text="three"), 1, now)
    assert err.value.details == {"flow": flow.id, "expected_revision": 1, "revision": 2}
    stored = repo.get_flow(flow.id)
    assert (stored.revision, stored.document) == (2, flow_doc(text="two"))


def test_update_flow_without_revision_always_applies(repo: Repository, now: datetime) -> None:
    flow = repo.create_flow(flow_doc(), now)
    repo.update_flow(flow.id, flow_doc(text="two"), None, now)
    assert repo.update_flow(flow.id, flow_doc(text="three"), None, now).revision == 3


def test_unknown_flow_is_not_found_everywhere(repo: Repository, now: datetime) -> None:
    for call in (
        lambda: repo.get_flow("ghost"),
        lambda: repo.update_flow("ghost", flow_doc(), 1, now),
        lambda: repo.update_flow("ghost", flow_doc(), None, now),
        lambda: repo.delete_flow("ghost", None),
        lambda: repo.delete_flow("ghost", 3),
        lambda: repo.publish("ghost", "", "t", now),
        lambda: repo.list_versions("ghost"),
        lambda: repo.get_version("ghost", 1),
        lambda: repo.rollback("ghost", 1, now),
    ):
        with pytest.raises(NotFound, match="flow 'ghost' not found"):
            call()


def test_delete_flow_takes_versions_and_bindings_not_calls(repo: Repository, now: datetime) -> None:
    flow_id = published(repo, now)
    other = published(repo, now, "Other")
    repo.bind_number(NumberBinding("+46700000001", flow_id), now)
    repo.bind_number(NumberBinding("+46700000002", other), now)
    repo.add_application(Application(key="k", default_flow_id=flow_id, created_at=now))
    repo.create_call(CallRecord(callid="c1", flow_id=flow_id, version=1, started_at=now))
    repo.append_events("c1", [CallEvent("c1", 0, now, "callback")])

    repo.delete_flow(flow_id, 1)

    with pytest.raises(NotFound):
        repo.get_flow(flow_id)
    with pytest.raises(NotFound):
        repo.get_version(flow_id, 1)
    assert [b.number for b in repo.list_bindings()] == ["+46700000002"]
    assert repo.get_application("k").default_flow_id is None
    assert repo.get_call("c1").flow_id == flow_id
    assert [e.seq for e in repo.list_events("c1")] == [1]
    assert [f.id for f in repo.list_flows()] == [other]


def test_delete_flow_with_stale_revision_deletes_nothing(repo: Repository, now: datetime) -> None:
    flow_id = published(repo, now)
    repo.bind_number(NumberBinding("+46700000001", flow_id), now)
    repo.add_application(Application(key="k", default_flow_id=flow_id, created_at=now))
    repo.update_flow(flow_id, flow_doc(text="two"), 1, now)
    with pytest.raises(Conflict, match="revision 2"):
        repo.delete_flow(flow_id, 1)
    assert repo.get_flow(flow_id).revision == 2
    assert [v.number for v in repo.list_versions(flow_id)] == [1]
    assert repo.get_binding("+46700000001").flow_id == flow_id
    assert repo.get_application("k").default_flow_id == flow_id


# --- versions -------------------------------------------------------------------
def test_publish_copies_the_draft_into_numbered_immutable_versions(
    repo: Repository, now: datetime
) -> None:
    flow = repo.create_flow(flow_doc(text="one"), now)
    v1 = repo.publish(flow.id, "first cut", "ann", now)
    assert (v1.flow_id, v1.number, v1.comment, v1.published_by) == (flow.id, 1, "first cut", "ann")
    assert v1.published_at == now and v1.document == flow_doc(text="one")

    repo.update_flow(flow.id, flow_doc(text="two"), 1, now)
    later = now + timedelta(hours=1)
    v2 = repo.publish(flow.id, "", "bob", later, expected_revision=2)
    assert v2.number == 2 and v2.document == flow_doc(text="two")
    assert repo.get_version(flow.id, 1).document == flow_doc(text="one")
    assert repo.get_version(flow.id, 2) == v2
    assert [v.number for v in repo.list_versions(flow.id)] == [1, 2]
    assert repo.get_flow(flow.id).latest_version == 2
    assert repo.get_flow(flow.id).revision == 2  # publishing does not touch the draft


def test_publish_with_stale_revision_conflicts(repo: Repository, now: datetime) -> None:
    flow = repo.create_flow(flow_doc(), now)
    repo.update_flow(flow.id, flow_doc(text="two"), 1, now)
    with pytest.raises(Conflict):
        repo.publish(flow.id, "", "t", now, expected_revision=1)
    assert repo.list_versions(flow.id) == []


def test_unknown_version_is_not_found(repo: Repository, now: datetime) -> None:
    flow_id = published(repo, now)
    with pytest.raises(NotFound, match=f"flow '{flow_id}' has no version 7"):
        repo.get_version(flow_id, 7)
    with pytest.raises(NotFound, match="has no version 7"):
        repo.rollback(flow_id, 7, now)


def test_rollback_makes_a_version_the_draft(repo: Repository, now: datetime) -> None:
    flow = repo.create_flow(flow_doc("First name", "one"), now)
    repo.publish(flow.id, "", "t", now)
    repo.update_flow(flow.id, flow_doc("Second name", "two"), 1, now)
    later = now + timedelta(days=2)
    draft = repo.rollback(flow.id, 1, later)
    assert (draft.revision, draft.name, draft.updated_at) == (3, "First name", later)
    assert draft.document == flow_doc("First name", "one")
    assert draft.latest_version == 1
    assert repo.get_flow(flow.id) == draft


# --- number bindings --------------------------------------------------------------
def test_bind_number_to_latest_or_pinned_version(repo: Repository, now: datetime) -> None:
    flow_id = published(repo, now)
    repo.publish(flow_id, "", "t", now)
    repo.add_application(Application(key="k", created_at=now))
    latest = repo.bind_number(NumberBinding("+46700000002", flow_id), now)
    assert latest == NumberBinding("+46700000002", flow_id, None, None, now)
    later = now + timedelta(minutes=1)
    pinned = repo.bind_number(NumberBinding("+46700000001", flow_id, "k", 1), later)
    assert pinned == NumberBinding("+46700000001", flow_id, "k", 1, later)
    assert repo.get_binding("+46700000001") == pinned
    assert [b.number for b in repo.list_bindings()] == ["+46700000001", "+46700000002"]


def test_rebinding_replaces_the_binding(repo: Repository, now: datetime) -> None:
    first = published(repo, now, "First")
    second = published(repo, now, "Second")
    repo.bind_number(NumberBinding("+46700000001", first, version=1), now)
    repo.bind_number(NumberBinding("+46700000001", second), now)
    assert repo.get_binding("+46700000001") == NumberBinding(
        "+46700000001", second, None, None, now
    )
    assert len(repo.list_bindings()) == 1


@pytest.mark.parametrize("number", ["46700000001", "+0123", "+1", "+1234567890123456", "+4670 1"])
def test_bind_refuses_numbers_that_are_not_e164(
    repo: Repository, now: datetime, number: str
) -> None:
    flow_id = published(repo, now)
    with pytest.raises(BadRequest, match=r"not an E\.164 phone number"):
        repo.bind_number(NumberBinding(number, flow_id), now)


def test_bind_refuses_what_cannot_answer_calls(repo: Repository, now: datetime) -> None:
    draft = repo.create_flow(flow_doc(), now)
    flow_id = published(repo, now)
    n = "+46700000001"
    with pytest.raises(Unprocessable, match="flow 'ghost' does not exist"):
        repo.bind_number(NumberBinding(n, "ghost"), now)
    with pytest.raises(Unprocessable, match="never been published"):
        repo.bind_number(NumberBinding(n, draft.id), now)
    with pytest.raises(Unprocessable, match="has no version 5"):
        repo.bind_number(NumberBinding(n, flow_id, version=5), now)
    with pytest.raises(Unprocessable, match="application 'nope' does not exist"):
        repo.bind_number(NumberBinding(n, flow_id, application_key="nope"), now)
    with pytest.raises(BadRequest, match="positive integer"):
        repo.bind_number(NumberBinding(n, flow_id, version=0), now)
    assert repo.list_bindings() == []


def test_unbind_and_missing_bindings(repo: Repository, now: datetime) -> None:
    flow_id = published(repo, now)
    repo.bind_number(NumberBinding("+46700000001", flow_id), now)
    repo.unbind_number("+46700000001")
    with pytest.raises(NotFound, match=r"\+46700000001 is not bound"):
        repo.get_binding("+46700000001")
    with pytest.raises(NotFound, match=r"\+46700000001 is not bound"):
        repo.unbind_number("+46700000001")


# --- calls --------------------------------------------------------------------------
def full_call(now: datetime) -> CallRecord:
    return CallRecord(
        callid="822aa4b7-05b4-4d83-87c7-1f835ee0b6f6_257",
        flow_id="support-line-abc",
        version=3,
        started_at=now,
        application_key="669E367E-6BBA-48AB-AF15-266871C28135",
        state="active",
        current_node="main",
        cli="+46700000009",
        to="+46700000001",
        simulated=True,
        context={"vars": {"account": "4321"}, "waiting": "main", "stack": [1, 2]},
    )


def test_call_round_trip(repo: Repository, now: datetime) -> None:
    call = full_call(now)
    assert repo.create_call(call) == call
    assert repo.get_call(call.callid) == call


def test_update_call_replaces_every_field(repo: Repository, now: datetime) -> None:
    call = repo.create_call(full_call(now))
    ended = replace(
        call,
        state="ended",
        current_node=None,
        ended_at=now + timedelta(seconds=42),
        result="callerhangup",
        reason="CALLERHANGUP",
        duration=42,
        context={},
    )
    assert repo.update_call(ended) == ended
    assert repo.get_call(call.callid) == ended


def test_call_errors(repo: Repository, now: datetime) -> None:
    repo.create_call(CallRecord("c1", None, None, now))
    with pytest.raises(Conflict, match="call 'c1' already exists"):
        repo.create_call(CallRecord("c1", None, None, now))
    with pytest.raises(NotFound, match="call 'c2' not found"):
        repo.get_call("c2")
    with pytest.raises(NotFound, match="call 'c2' not found"):
        repo.update_call(CallRecord("c2", None, None, now))
    with pytest.raises(BadRequest, match="call context"):
        repo.create_call(CallRecord("c3", None, None, now, context=None))  # type: ignore[arg-type]


def test_times_come_back_as_aware_utc(repo: Repository) -> None:
    cest = timezone(timedelta(hours=2))
    local = datetime(2026, 6, 1, 12, 0, tzinfo=cest)
    naive = datetime(2026, 6, 1, 10, 0)
    repo.create_call(CallRecord("a", None, None, local, ended_at=naive))
    got = repo.get_call("a")
    assert got.started_at == got.ended_at == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert got.started_at.utcoffset() == timedelta(0)
    assert got.ended_at is not None and got.ended_at.tzinfo is not None


def seed_calls(repo: Repository, now: datetime) -> None:
    """Ten calls a minute apart: c0 oldest ... c9 newest."""
    for i in range(10):
        repo.create_call(
            CallRecord(
                callid=f"c{i}",
                flow_id="f-a" if i % 2 == 0 else "f-b",
                version=1,
                started_at=now + timedelta(minutes=i),
                to="+46700000001" if i < 5 else "+46700000002",
                result="connected" if i % 3 == 0 else "hangup",
                simulated=i >= 8,
            )
        )


def ids(items: list[CallRecord]) -> list[str]:
    return [c.callid for c in items]


def test_list_calls_newest_first_with_paging(repo: Repository, now: datetime) -> None:
    seed_calls(repo, now)
    items, total = repo.list_calls(CallFilter())
    assert total == 10 and ids(items) == [f"c{i}" for i in range(9, -1, -1)]
    items, total = repo.list_calls(CallFilter(), limit=3, offset=4)
    assert total == 10 and ids(items) == ["c5", "c4", "c3"]
    items, total = repo.list_calls(CallFilter(), limit=5, offset=20)
    assert (items, total) == ([], 10)
    assert repo.list_calls(CallFilter(), limit=0) == ([], 10)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (CallFilter(flow_id="f-a"), ["c8", "c6", "c4", "c2", "c0"]),
        (CallFilter(number="+46700000001"), ["c4", "c3", "c2", "c1", "c0"]),
        (CallFilter(result="connected"), ["c9", "c6", "c3", "c0"]),
        (CallFilter(simulated=True), ["c9", "c8"]),
        (CallFilter(simulated=False, flow_id="f-b", result="hangup"), ["c7", "c5", "c1"]),
        (CallFilter(flow_id="nope"), []),
    ],
)
def test_list_calls_filters(
    repo: Repository, now: datetime, filters: CallFilter, expected: list[str]
) -> None:
    seed_calls(repo, now)
    items, total = repo.list_calls(filters)
    assert ids(items) == expected and total == len(expected)


def test_list_calls_time_window_is_half_open(repo: Repository, now: datetime) -> None:
    seed_calls(repo, now)
    cest = timezone(timedelta(hours=2))
    since = (now + timedelta(minutes=2)).astimezone(cest)  # the same instant, another zone
    items, total = repo.list_calls(CallFilter(since=since, until=now + timedelta(minutes=5)))
    assert ids(items) == ["c4", "c3", "c2"] and total == 3


def test_list_calls_breaks_ties_by_callid(repo: Repository, now: datetime) -> None:
    for callid in ["b-2", "a_1", "B-3", "b-10"]:
        repo.create_call(CallRecord(callid, None, None, now))
    items, _ = repo.list_calls(CallFilter())
    assert ids(items) == sorted(["b-2", "a_1", "B-3", "b-10"], reverse=True)


def test_list_calls_refuses_negative_paging(repo: Repository) -> None:
    with pytest.raises(BadRequest, match="limit"):
        repo.list_calls(CallFilter(), limit=-1)
    with pytest.raises(BadRequest, match="offset"):
        repo.list_calls(CallFilter(), offset=-5)


# --- trace events ---------------------------------------------------------------------
def test_append_events_numbers_them_per_call(repo: Repository, now: datetime) -> None:
    repo.create_call(CallRecord("c1", "flow-x", 1, now))
    repo.create_call(CallRecord("c2", None, None, now))
    first = repo.append_events(
        "c1",
        [
            CallEvent("ignored", 99, now, "callback", data={"event": "ice"}),
            CallEvent("c1", 99, now + timedelta(milliseconds=5), "node", node="welcome"),
        ],
    )
    assert [(e.callid, e.seq, e.kind, e.node, e.flow_id) for e in first] == [
        ("c1", 1, "callback", None, "flow-x"),
        ("c1", 2, "node", "welcome", "flow-x"),
    ]
    assert repo.append_events("c2", [CallEvent("c2", 0, now, "callback")])[0].seq == 1
    third = repo.append_events("c1", [CallEvent("c1", 0, now, "svaml", data={"a": [1]})])
    assert [e.seq for e in third] == [3]
    assert repo.append_events("c1", []) == []
    stored = repo.list_events("c1")
    assert stored == first + third
    assert stored[1].ts == now + timedelta(milliseconds=5)
    assert stored[0].to_dict()["ts"] == "2026-11-25T10:00:00Z"
    assert [e.seq for e in repo.list_events("c1", after_seq=1)] == [2, 3]
    assert repo.list_events("c1", after_seq=3) == []


def test_events_need_a_known_call(repo: Repository, now: datetime) -> None:
    with pytest.raises(NotFound, match="call 'ghost' not found"):
        repo.append_events("ghost", [CallEvent("ghost", 0, now, "callback")])
    with pytest.raises(NotFound, match="call 'ghost' not found"):
        repo.list_events("ghost")


def test_bad_event_stores_nothing(repo: Repository, now: datetime) -> None:
    repo.create_call(CallRecord("c1", None, None, now))
    good = CallEvent("c1", 0, now, "node")
    with pytest.raises(BadRequest, match="data"):
        repo.append_events("c1", [good, CallEvent("c1", 0, now, "node", data={"x": {1, 2}})])
    assert repo.list_events("c1") == []


# --- idempotent callbacks -------------------------------------------------------------
def test_callback_responses_keep_the_first_answer(repo: Repository, now: datetime) -> None:
    key = "ice|2026-11-25T10:00:00Z"
    assert repo.get_callback_response("c1", key) is None
    first = {"instructions": [{"name": "say", "text": "Hi"}], "action": {"name": "hangup"}}
    assert repo.save_callback_response("c1", key, first, now) == first
    again = repo.save_callback_response("c1", key, {"action": {"name": "continue"}}, now)
    assert again == first
    assert repo.get_callback_response("c1", key) == first
    assert repo.get_callback_response("c1", "pie|other") is None
    assert repo.get_callback_response("c2", key) is None
