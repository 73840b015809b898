"""The graph checks behind ``designer.validation.validate``.

Each module holds pure functions from a ``FlowGraph`` (built once in
``graph``) to a list of findings; none raises on a broken flow.
"""
