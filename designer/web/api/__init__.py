"""The JSON REST API under ``/api/``: one blueprint per resource.

Every view is declared with ``designer.web.openapi.operation`` so that
``GET /api/openapi.json`` describes exactly what is served.
"""
