"""The one exception tree of the project.

Every layer raises these; the web layer maps each class to one HTTP status and
a JSON body in one place (``designer.web.errors``), and the CLI prints the
message on one line and exits with code 2.  ``code`` is the stable,
machine-readable name; ``details`` carries structured context (the path of a
bad field, validation findings...) that clients can show next to the cause.
"""

from __future__ import annotations

from typing import Any


class DesignerError(Exception):
    """Base of every error the designer raises on purpose."""

    code = "error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class BadRequest(DesignerError):
    """The request itself is malformed (bad JSON, wrong types)."""

    code = "bad-request"


class InvalidDocument(BadRequest):
    """A flow document that cannot be read: bad JSON, wrong format, bad ids.

    ``details`` is a list of ``{"path": "nodes[2].id", "message": ...}``.
    """

    code = "invalid-document"


class FlowInvalid(DesignerError):
    """A well-formed flow whose graph has errors, e.g. when publishing.

    ``details`` is ``{"findings": [...]}`` as produced by validation.
    """

    code = "flow-invalid"


class Unprocessable(DesignerError):
    """A well-formed request that refers to something unusable.

    For example binding a number to a flow that has never been published, or
    to a version or application that does not exist.
    """

    code = "unprocessable"


class NotFound(DesignerError):
    code = "not-found"


class Conflict(DesignerError):
    """Optimistic concurrency: the revision the client edited is stale."""

    code = "conflict"


class StaleCall(Conflict):
    """A callback step was worked out from a call that changed before it was stored.

    Another callback of the same call was recorded in between (out-of-order
    or concurrent deliveries); nothing was written, and the engine reads the
    call again and works the step out anew.
    """

    code = "stale-call"


class PayloadTooLarge(DesignerError):
    code = "payload-too-large"


class UnsupportedMediaType(DesignerError):
    """A request body that is not JSON (the API reads ``application/json`` only)."""

    code = "unsupported-media-type"


class ConfigError(DesignerError):
    """A setting (``DESIGNER_*`` variable or config key) with an unusable value."""

    code = "config-invalid"


class SignatureInvalid(DesignerError):
    """A Sinch callback whose Authorization header does not verify."""

    code = "signature-invalid"


class Unauthorized(DesignerError):
    code = "unauthorized"


class Forbidden(DesignerError):
    code = "forbidden"


class CsrfRejected(Forbidden):
    """A browser request that changes something came without the page's CSRF token,
    or from another site."""

    code = "csrf-rejected"


class TooManyRequests(DesignerError):
    """A client went over a rate limit; ``details["retryAfter"]`` says when to retry (s)."""

    code = "too-many-requests"


class TemplateError(DesignerError):
    """A template in a flow failed to render (syntax, sandbox violation, size)."""

    code = "template-error"


class NotMigrated(DesignerError):
    """The database schema is missing or older than this code."""

    code = "not-migrated"


class StorageUnavailable(DesignerError):
    """The database (or another backing service) could not be reached in time."""

    code = "storage-unavailable"


class StepError(DesignerError):
    """A flow cannot be stepped: a loop without input, a missing or unknown node,
    an action the callback event does not accept.

    The call engine answers the callback with safe SVAML instead; the static
    compiler lets it surface.  ``details`` names the node and the nodes visited.
    """

    code = "step-error"


class RenderError(DesignerError):
    """Graphviz is missing or failed to draw/lay out a flow."""

    code = "render-error"


class ServerUnreachable(DesignerError):
    """A designer server (REST API or trace websocket) could not be reached or answered oddly."""

    code = "server-unreachable"
