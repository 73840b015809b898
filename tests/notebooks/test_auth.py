"""Notebooks against a server that requires login: an API token opens REST and websockets."""

from __future__ import annotations

import asyncio

import pytest

from designer import examples
from designer.errors import Unauthorized
from designer.notebook import Designer, LiveFlow, fill_call_log, live


def test_rest_needs_the_token(secured_server):
    server, token = secured_server
    with pytest.raises(Unauthorized, match="Bearer"), Designer(server.url) as anonymous:
        anonymous.flows()
    with Designer(server.url, token) as client:
        flow_id = client.create_flow(examples.document("support_line"))
        assert flow_id in set(client.flows()["id"])
        session = client.simulate(flow_id, press=["3"])
        assert len(client.calls(flow=flow_id)) == 1
        assert client.events(session["callid"])["seq"].tolist()[0] == 1


def test_websockets_need_the_token(secured_server):
    server, token = secured_server
    with Designer(server.url, token) as client:
        flow_id = client.create_flow(examples.document("support_line"))
        callid = client.simulate(flow_id, press=["3"])["callid"]

    async def scenario() -> int:
        with pytest.raises(Unauthorized, match="HTTP 401"):
            [event async for event in live(server.url, call=callid)]
        received = [event async for event in live(server.url, call=callid, token=token)]
        watch = await LiveFlow(server.url, flow_id, token=token).start().ready()
        watch.stop()
        await watch.wait(5)
        return len(received)

    assert asyncio.run(scenario()) > 5


def test_filling_the_log_over_http_with_a_token(secured_server):
    server, token = secured_server
    with Designer(server.url, token) as client:
        flow_id = client.create_flow(examples.document("support_line"))
        client.publish(flow_id)
        client.bind("+46850000301", flow_id)
        report = fill_call_log(server.url, flow_id, calls=3, seed=4, token=token)
        assert report.ok, report.render()
        assert len(client.calls(flow=flow_id)) == 3
