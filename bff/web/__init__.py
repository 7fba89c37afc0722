"""The bff's endpoint machinery, shared by every feature package.

How a route is declared and guarded (`api`: `Endpoint`, problem answers, input
reading), the session cookie and CSRF header (`session_auth`, `cross_site`), the
app's typed keys and limits, the access audit, server-sent event framing, prepared
statements, and the OpenAPI document with its docs page. Nothing here imports a
feature package (an import-linter contract keeps it so).
"""
