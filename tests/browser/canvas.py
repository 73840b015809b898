"""Driving the editor canvas like a person: drag from the palette, connect ports.

Selectors follow the page contract: every node card carries
``data-node-id``; ports are React Flow handles with ``data-handleid`` equal
to the port name; palette entries carry ``data-palette-type``.
"""

from __future__ import annotations

from typing import Any

SAVED = '[data-save-state="saved"]'


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'[data-node-id="{node_id}"]')


def port(page: Any, node_id: str, port_name: str) -> Any:
    return page.locator(
        f'[data-node-id="{node_id}"] .react-flow__handle.source[data-handleid="{port_name}"]'
    )


def edge(page: Any, source: str, port_name: str) -> Any:
    return page.locator(f'[data-testid="rf__edge-{source}:{port_name}"]')


def open_editor(page: Any, flow_id: str) -> None:
    page.goto(f"/flows/{flow_id}")
    page.locator(".react-flow__node").first.wait_for()
    page.wait_for_selector('[data-testid="validity"]:not(:has-text("Checking"))')


def drag_from_palette(page: Any, node_type: str, x: float, y: float) -> None:
    """Drop a palette entry at canvas-relative pixel (x, y)."""
    page.drag_and_drop(
        f'[data-palette-type="{node_type}"]',
        '[data-testid="canvas"] .react-flow__pane',
        target_position={"x": x, "y": y},
    )


def beside(page: Any, node_id: str, dx: float = 360, dy: float = 0) -> tuple[float, float]:
    """Canvas-relative pixel ``dx`` to the right of a node's centre (to drop a card there)."""
    pane = page.locator('[data-testid="canvas"] .react-flow__pane').bounding_box()
    box = node(page, node_id).bounding_box()
    assert pane and box, "canvas or node not visible"
    return (
        box["x"] - pane["x"] + box["width"] / 2 + dx,
        box["y"] - pane["y"] + box["height"] / 2 + dy,
    )


def _center(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, "element is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


# React Flow pans the canvas while a connection is dragged within this many
# pixels of its edge (``calcAutoPan`` in @xyflow/system): a drop there lands
# wherever the canvas has scrolled to, not on the card that was under it.
AUTO_PAN_EDGE = 40


def _drop_point(page: Any, target: str) -> tuple[float, float]:
    """A point on ``target``'s card, clear of the canvas edge where React Flow auto-pans."""
    pane = page.locator('[data-testid="canvas"] .react-flow').bounding_box()
    box = node(page, target).bounding_box()
    assert pane and box, f"canvas or node {target!r} not visible"
    margin = AUTO_PAN_EDGE + 4
    left = max(box["x"], pane["x"] + margin)
    right = min(box["x"] + box["width"], pane["x"] + pane["width"] - margin)
    top = max(box["y"], pane["y"] + margin)
    bottom = min(box["y"] + box["height"], pane["y"] + pane["height"] - margin)
    assert left < right and top < bottom, (
        f"node {target!r} is too close to the canvas edge to drop a connection on it "
        "(the canvas would pan under the pointer): place it further inside"
    )
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return min(max(cx, left), right), min(max(cy, top), bottom)


def _drag(
    page: Any, start: tuple[float, float], end: tuple[float, float], release: bool = True
) -> None:
    """Press at ``start`` and move to ``end`` in small steps, as a hand does."""
    (sx, sy), (tx, ty) = start, end
    page.mouse.move(sx, sy)
    page.mouse.down()
    steps = 12
    for i in range(1, steps + 1):
        page.mouse.move(sx + (tx - sx) * i / steps, sy + (ty - sy) * i / steps)
    if release:
        page.mouse.up()


def connect(page: Any, source: str, port_name: str, target: str) -> None:
    """Drag from a node's port handle and drop onto the target node's card."""
    _drag(page, _center(port(page, source, port_name)), _drop_point(page, target))


def edge_end(page: Any, source: str, port_name: str, end: str) -> Any:
    """The grip at the ``end`` ("source" or "target") of an edge, dragged to re-point it."""
    return edge(page, source, port_name).locator(f".react-flow__edgeupdater-{end}")


def repoint_target(page: Any, source: str, port_name: str, target: str) -> None:
    """Drag the arrow end of an edge onto another node's card."""
    _drag(page, _center(edge_end(page, source, port_name, "target")), _drop_point(page, target))


def repoint_source(
    page: Any, source: str, port_name: str, new_source: str, new_port: str, release: bool = True
) -> None:
    """Drag the tail of an edge onto another port (``release=False`` stops before dropping)."""
    start = _center(edge_end(page, source, port_name, "source"))
    _drag(page, start, _center(port(page, new_source, new_port)), release=release)


def drag_edge_end_to(page: Any, source: str, port_name: str, end: str, x: float, y: float) -> None:
    """Drag an edge's end to page pixel (x, y), e.g. onto empty canvas."""
    _drag(page, _center(edge_end(page, source, port_name, end)), (x, y))


def wait_saved(page: Any) -> None:
    page.wait_for_selector(SAVED, timeout=10_000)


def press(page: Any, combo: str) -> None:
    """Press a shortcut on the canvas (focus outside any text field)."""
    page.keyboard.press(combo)
