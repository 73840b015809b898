"""How a call whose DiCE never came is closed: the same decision on every backend.

A DiCE can be lost (the database was down at that moment, the platform gave
up retrying, a worker was killed mid-callback); the call would then read as
live forever.  ``Repository.sweep_stale_calls`` closes it: the call ends
when it was last heard of, not when the sweep noticed, and keeps what the
flow had recorded; a trace event says why, so the call's page and its live
watchers see the end like any other.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from designer.repository import (
    LOST_RESULT,
    NO_DICE_REASON,
    SWEPT_EVENT,
    CallEvent,
    CallRecord,
)

SWEEP_BATCH = 200  # calls ended per transaction: short enough never to hold up callbacks
PRUNE_BATCH = 1000  # callback answers deleted per transaction


def last_activity(call: CallRecord, latest_event: datetime | None) -> datetime:
    """When the call was last heard of: its latest trace event, else its start."""
    return latest_event if latest_event is not None else call.started_at


def swept(
    call: CallRecord, last_seq: int, last_heard: datetime, now: datetime
) -> tuple[CallRecord, CallEvent]:
    """The call as the sweep leaves it, and the trace event that says so (seq after ``last_seq``).

    The engine's own bookkeeping stays in the context except what waits for
    the platform, so a late PIE or ACE is answered as for any ended call;
    a result the call had already (``error``, ``unrouted``) is kept.
    """
    ended = replace(
        call,
        state="ended",
        ended_at=last_heard,
        result=call.result or LOST_RESULT,
        reason=NO_DICE_REASON,
        context={**call.context, "waiting": None, "waitingFor": None},
    )
    event = CallEvent(
        callid=call.callid,
        seq=last_seq + 1,
        ts=now,
        kind=SWEPT_EVENT,
        node=None,  # not a step of the flow: watchers that place calls on nodes leave it be
        data={
            "reason": NO_DICE_REASON,
            "result": ended.result,
            "lastActivity": last_heard.isoformat().replace("+00:00", "Z"),
        },
        flow_id=call.flow_id,
    )
    return ended, event
