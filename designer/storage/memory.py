"""``MemoryRepository``: the repository in a Python process, for tests and demos.

It behaves exactly like ``SqlRepository`` (the same contract suite runs
against both): every method holds one lock for its whole duration, so it is
atomic and thread-safe, and every value is copied in and out through JSON, so
callers can neither change stored state by mutating what they passed or got
back, nor store something a database could not.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from typing import Any

from designer.errors import BadRequest
from designer.repository import (
    AnsweredCallback,
    Application,
    CallbackState,
    CallEvent,
    CallFilter,
    CallRecord,
    FlowRecord,
    FlowVersion,
    NumberBinding,
    RecordedStep,
    check_callids,
    check_e164,
)
from designer.storage import common as c
from designer.storage import stale


class MemoryRepository:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._apps: dict[str, Application] = {}
        self._flows: dict[str, FlowRecord] = {}
        self._versions: dict[str, dict[int, FlowVersion]] = {}
        self._bindings: dict[str, NumberBinding] = {}
        self._calls: dict[str, CallRecord] = {}
        self._events: dict[str, list[CallEvent]] = {}
        self._responses: dict[tuple[str, str], dict[str, Any]] = {}
        self._answered_at: dict[tuple[str, str], datetime] = {}  # see prune_callback_responses
        self._routing = 0  # see routing_generation

    def __repr__(self) -> str:
        return "<MemoryRepository>"

    def close(self) -> None:
        """Nothing to release; here so that callers can close any repository."""

    # --- copies ----------------------------------------------------------------
    def _flow_out(self, rec: FlowRecord) -> FlowRecord:
        versions = self._versions.get(rec.id) or {}
        return replace(
            rec,
            document=c.json_copy(rec.document, "document"),
            latest_version=max(versions) if versions else None,
        )

    @staticmethod
    def _version_out(v: FlowVersion) -> FlowVersion:
        return replace(v, document=c.json_copy(v.document, "document"))

    @staticmethod
    def _call_out(call: CallRecord) -> CallRecord:
        return replace(call, context=c.json_copy(call.context, "context"))

    def _event_out(self, e: CallEvent) -> CallEvent:
        return replace(e, data=c.json_copy(e.data, "data"), flow_id=self._calls[e.callid].flow_id)

    # --- applications ------------------------------------------------------------
    def _check_app(self, app: Application) -> Application:
        c.check_key(app.key, "application key")
        if app.default_flow_id is not None and app.default_flow_id not in self._flows:
            raise c.missing_default_flow(app.key, app.default_flow_id)
        return Application(
            key=app.key,
            secret=app.secret,
            name=app.name or "",
            default_flow_id=app.default_flow_id,
            created_at=c.utc(app.created_at) if app.created_at else c.now_utc(),
        )

    def add_application(self, app: Application) -> Application:
        with self._lock:
            if app.key in self._apps:
                raise c.application_exists(app.key)
            stored = self._check_app(app)
            self._apps[app.key] = stored
            self._routing += 1
            return replace(stored)

    def get_application(self, key: str, *, with_secret: bool = True) -> Application:
        with self._lock:
            if key not in self._apps:
                raise c.application_not_found(key)
            stored = self._apps[key]
            return replace(stored) if with_secret else replace(stored, secret=None)

    def list_applications(self) -> list[Application]:
        with self._lock:
            return [replace(self._apps[k]) for k in sorted(self._apps)]

    def update_application(self, app: Application) -> Application:
        """Replace name, secret and default flow (``secret=None`` removes the secret)."""
        with self._lock:
            old = self._apps.get(app.key)
            if old is None:
                raise c.application_not_found(app.key)
            stored = replace(self._check_app(app), created_at=old.created_at)
            self._apps[app.key] = stored
            self._routing += 1
            return replace(stored)

    def delete_application(self, key: str) -> None:
        """Delete the application; numbers bound through it keep their flow, without a key."""
        with self._lock:
            if key not in self._apps:
                raise c.application_not_found(key)
            del self._apps[key]
            for number, b in self._bindings.items():
                if b.application_key == key:
                    self._bindings[number] = replace(b, application_key=None)
            self._routing += 1

    # --- flows -------------------------------------------------------------------
    def create_flow(self, document: dict[str, Any], now: datetime) -> FlowRecord:
        doc = c.json_object(document, "flow document")
        now = c.utc(now)
        with self._lock:
            name = c.flow_name(doc)
            flow_id = c.new_flow_id(name)
            while flow_id in self._flows:
                flow_id = c.new_flow_id(name)
            rec = FlowRecord(
                id=flow_id, name=name, document=doc, revision=1, created_at=now, updated_at=now
            )
            self._flows[flow_id] = rec
            return self._flow_out(rec)

    def _flow(self, flow_id: str) -> FlowRecord:
        rec = self._flows.get(flow_id)
        if rec is None:
            raise c.flow_not_found(flow_id)
        return rec

    def get_flow(self, flow_id: str) -> FlowRecord:
        with self._lock:
            return self._flow_out(self._flow(flow_id))

    def list_flows(self) -> list[FlowRecord]:
        """All drafts, by name (case-insensitive), then id."""
        with self._lock:
            recs = sorted(self._flows.values(), key=lambda r: (r.name.casefold(), r.name, r.id))
            return [self._flow_out(r) for r in recs]

    def update_flow(
        self,
        flow_id: str,
        document: dict[str, Any],
        expected_revision: int | None,
        now: datetime,
    ) -> FlowRecord:
        """Replace the draft; with ``expected_revision`` only if nobody saved in between."""
        doc = c.json_object(document, "flow document")
        now = c.utc(now)
        with self._lock:
            rec = self._flow(flow_id)
            if expected_revision is not None and rec.revision != expected_revision:
                raise c.stale_revision(flow_id, expected_revision, rec.revision)
            new = replace(
                rec, name=c.flow_name(doc), document=doc, revision=rec.revision + 1, updated_at=now
            )
            self._flows[flow_id] = new
            return self._flow_out(new)

    def delete_flow(self, flow_id: str, expected_revision: int | None) -> None:
        """Delete the draft with its versions and number bindings.

        Applications that used it as default flow lose their default; the
        call log keeps the calls that ran on it.
        """
        with self._lock:
            rec = self._flow(flow_id)
            if expected_revision is not None and rec.revision != expected_revision:
                raise c.stale_revision(flow_id, expected_revision, rec.revision)
            del self._flows[flow_id]
            self._versions.pop(flow_id, None)
            for number in [n for n, b in self._bindings.items() if b.flow_id == flow_id]:
                del self._bindings[number]
            for key, app in self._apps.items():
                if app.default_flow_id == flow_id:
                    self._apps[key] = replace(app, default_flow_id=None)
            self._routing += 1

    # --- versions ----------------------------------------------------------------
    def publish(
        self,
        flow_id: str,
        comment: str,
        published_by: str,
        now: datetime,
        expected_revision: int | None = None,
    ) -> FlowVersion:
        """Copy the current draft into the next version number (validation is the caller's job)."""
        now = c.utc(now)
        with self._lock:
            rec = self._flow(flow_id)
            if expected_revision is not None and rec.revision != expected_revision:
                raise c.stale_revision(flow_id, expected_revision, rec.revision)
            versions = self._versions.setdefault(flow_id, {})
            number = max(versions, default=0) + 1
            v = FlowVersion(
                flow_id=flow_id,
                number=number,
                document=c.json_copy(rec.document, "document"),
                comment=comment or "",
                published_by=published_by or "",
                published_at=now,
            )
            versions[number] = v
            self._routing += 1
            return self._version_out(v)

    def list_versions(self, flow_id: str) -> list[FlowVersion]:
        with self._lock:
            self._flow(flow_id)
            versions = self._versions.get(flow_id) or {}
            return [self._version_out(versions[n]) for n in sorted(versions)]

    def get_version(self, flow_id: str, number: int) -> FlowVersion:
        with self._lock:
            self._flow(flow_id)
            v = (self._versions.get(flow_id) or {}).get(number)
            if v is None:
                raise c.version_not_found(flow_id, number)
            return self._version_out(v)

    def rollback(self, flow_id: str, number: int, now: datetime) -> FlowRecord:
        """Make version ``number`` the draft again (a new revision; versions are untouched)."""
        now = c.utc(now)
        with self._lock:
            rec = self._flow(flow_id)
            v = (self._versions.get(flow_id) or {}).get(number)
            if v is None:
                raise c.version_not_found(flow_id, number)
            doc = c.json_copy(v.document, "document")
            new = replace(
                rec, name=c.flow_name(doc), document=doc, revision=rec.revision + 1, updated_at=now
            )
            self._flows[flow_id] = new
            return self._flow_out(new)

    # --- number bindings -----------------------------------------------------------
    def bind_number(self, binding: NumberBinding, now: datetime) -> NumberBinding:
        """Bind (or re-bind) a number to a published flow, optionally pinned to a version."""
        number = check_e164(binding.number)
        version = c.check_version_number(binding.version)
        now = c.utc(now)
        with self._lock:
            if binding.flow_id not in self._flows:
                raise c.missing_bound_flow(number, binding.flow_id)
            versions = self._versions.get(binding.flow_id) or {}
            if not versions:
                raise c.unpublished_bound_flow(number, binding.flow_id)
            if version is not None and version not in versions:
                raise c.missing_bound_version(number, binding.flow_id, version)
            if binding.application_key is not None and binding.application_key not in self._apps:
                raise c.missing_bound_application(number, binding.application_key)
            stored = NumberBinding(
                number=number,
                flow_id=binding.flow_id,
                application_key=binding.application_key,
                version=version,
                updated_at=now,
            )
            self._bindings[number] = stored
            self._routing += 1
            return replace(stored)

    def get_binding(self, number: str) -> NumberBinding:
        with self._lock:
            b = self._bindings.get(number)
            if b is None:
                raise c.binding_not_found(number)
            return replace(b)

    def list_bindings(self) -> list[NumberBinding]:
        with self._lock:
            return [replace(self._bindings[n]) for n in sorted(self._bindings)]

    def unbind_number(self, number: str) -> None:
        with self._lock:
            if number not in self._bindings:
                raise c.binding_not_found(number)
            del self._bindings[number]
            self._routing += 1

    # --- calls -------------------------------------------------------------------
    def create_call(self, call: CallRecord) -> CallRecord:
        stored = c.normalise_call(call)
        with self._lock:
            if stored.callid in self._calls:
                raise c.call_exists(stored.callid)
            self._calls[stored.callid] = stored
            self._events[stored.callid] = []
            return self._call_out(stored)

    def get_call(self, callid: str) -> CallRecord:
        with self._lock:
            call = self._calls.get(callid)
            if call is None:
                raise c.call_not_found(callid)
            return self._call_out(call)

    def update_call(self, call: CallRecord) -> CallRecord:
        """Replace every field of the call (its events are untouched)."""
        stored = c.normalise_call(call)
        with self._lock:
            if stored.callid not in self._calls:
                raise c.call_not_found(stored.callid)
            self._calls[stored.callid] = stored
            return self._call_out(stored)

    def list_calls(
        self, filters: CallFilter, limit: int = 50, offset: int = 0
    ) -> tuple[list[CallRecord], int]:
        """Calls matching every given filter, newest first; with the total before paging.

        ``since`` is inclusive, ``until`` exclusive.
        """
        c.check_page(limit, offset)
        since = c.utc_or_none(filters.since)
        until = c.utc_or_none(filters.until)
        with self._lock:
            found = [
                call
                for call in self._calls.values()
                if (filters.flow_id is None or call.flow_id == filters.flow_id)
                and (filters.number is None or call.to == filters.number)
                and (filters.result is None or call.result == filters.result)
                and (since is None or call.started_at >= since)
                and (until is None or call.started_at < until)
                and (filters.simulated is None or call.simulated == filters.simulated)
            ]
            found.sort(key=lambda call: (call.started_at, call.callid), reverse=True)
            return [self._call_out(x) for x in found[offset : offset + limit]], len(found)

    def append_events(self, callid: str, events: list[CallEvent]) -> list[CallEvent]:
        """Store events, assigning consecutive ``seq`` numbers per call (given seq ignored)."""
        prepared = [
            (c.utc(e.ts), c.check_key(e.kind, "event kind"), e.node, c.json_object(e.data, "data"))
            for e in events
        ]
        with self._lock:
            if callid not in self._calls:
                raise c.call_not_found(callid)
            stored = self._events[callid]
            start = len(stored)
            new = [
                CallEvent(callid=callid, seq=start + i + 1, ts=ts, kind=kind, node=node, data=data)
                for i, (ts, kind, node, data) in enumerate(prepared)
            ]
            stored.extend(new)
            return [self._event_out(e) for e in new]

    def list_events(self, callid: str, after_seq: int = 0) -> list[CallEvent]:
        with self._lock:
            if callid not in self._calls:
                raise c.call_not_found(callid)
            return [self._event_out(e) for e in self._events[callid] if e.seq > after_seq]

    # --- bulk reads of trace events --------------------------------------------------
    def list_events_of_calls(self, callids: list[str]) -> dict[str, list[CallEvent]]:
        ids = check_callids(callids)
        with self._lock:
            stored = self._events
            return {callid: [self._event_out(e) for e in stored.get(callid, ())] for callid in ids}

    # --- idempotent callbacks --------------------------------------------------------
    def get_callback_response(self, callid: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._responses.get((callid, key))
            return None if found is None else c.json_copy(found, "response")

    def save_callback_response(
        self, callid: str, key: str, response: dict[str, Any], now: datetime | None = None
    ) -> dict[str, Any]:
        """Store the response unless one is already stored; return the stored one."""
        c.check_key(callid, "callid")
        c.check_key(key, "callback key")
        value = c.json_object(response, "callback response")
        stamp = c.utc(now) if now is not None else c.now_utc()
        with self._lock:
            stored = self._responses.setdefault((callid, key), value)
            self._answered_at.setdefault((callid, key), stamp)
            return c.json_copy(stored, "response")

    # --- the callback hot path ---------------------------------------------------------
    def load_callback(self, callid: str, key: str) -> CallbackState:
        with self._lock:
            call = self._calls.get(callid)
            answer = self._responses.get((callid, key))
            return CallbackState(
                call=None if call is None else self._call_out(call),
                answer=None if answer is None else c.json_copy(answer, "response"),
                last_seq=len(self._events.get(callid) or ()),
            )

    def record_step(self, step: AnsweredCallback) -> RecordedStep:
        """Claim the answer, write the call and append its events: all or nothing."""
        callid = c.check_key(step.callid, "callid")
        key = c.check_key(step.key, "callback key")
        response = c.json_object(step.response, "callback response")
        call = c.normalise_call(step.call)
        if call.callid != callid:
            raise BadRequest(f"the step of call {callid!r} carries call {call.callid!r}")
        prepared = [
            (c.utc(e.ts), c.check_key(e.kind, "event kind"), e.node, c.json_object(e.data, "data"))
            for e in step.events
        ]
        with self._lock:
            earlier = self._responses.get((callid, key))
            if earlier is not None:
                return RecordedStep(c.json_copy(earlier, "response"), [], replayed=True)
            stored = self._events.get(callid)
            if step.create and callid in self._calls:
                raise c.stale_call(callid)
            if not step.create and callid not in self._calls:
                raise c.call_not_found(callid)
            if len(stored or ()) != step.after_seq:
                raise c.stale_call(callid)
            self._responses[(callid, key)] = response
            self._answered_at[(callid, key)] = c.utc(step.now) if step.now else c.now_utc()
            self._calls[callid] = call
            events = self._events.setdefault(callid, [])
            new = [
                CallEvent(callid=callid, seq=step.after_seq + i + 1, ts=ts, kind=kind, node=node,
                          data=data)
                for i, (ts, kind, node, data) in enumerate(prepared)
            ]  # fmt: skip
            events.extend(new)
            return RecordedStep(
                c.json_copy(response, "response"), [self._event_out(e) for e in new]
            )

    def routing_generation(self) -> int:
        with self._lock:
            return self._routing

    # --- housekeeping (designer.housekeeping) ----------------------------------------
    def sweep_stale_calls(
        self, idle_before: datetime, now: datetime, *, dry_run: bool = False
    ) -> list[CallEvent]:
        """End the calls whose DiCE never came (see ``Repository``), all under the one lock."""
        idle_before, now = c.utc(idle_before), c.utc(now)
        with self._lock:
            found: list[tuple[datetime, str, datetime]] = []
            for call in self._calls.values():
                if call.state != "active" or call.started_at >= idle_before:
                    continue
                events = self._events.setdefault(call.callid, [])
                last_heard = stale.last_activity(call, max((e.ts for e in events), default=None))
                if last_heard < idle_before:
                    found.append((call.started_at, call.callid, last_heard))
            swept: list[CallEvent] = []
            for _started, callid, last_heard in sorted(found):
                events = self._events[callid]
                ended, event = stale.swept(self._calls[callid], len(events), last_heard, now)
                if dry_run:
                    swept.append(event)
                    continue
                self._calls[callid] = ended
                events.append(event)
                swept.append(self._event_out(event))
            return swept

    def prune_callback_responses(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete old callback answers (see ``Repository``)."""
        before = c.utc(before)
        with self._lock:
            old = [key for key, at in self._answered_at.items() if at < before]
            if not dry_run:
                for key in old:
                    del self._responses[key], self._answered_at[key]
            return len(old)
