"""The edge: HTTP routes and event handlers, one module per feature, thin — they validate the request,
call one service and present its answer. http.py holds the route decorator, the typed Call and the one
error table; events.py the event-handler plumbing; idempotency, OpenAPI.
"""
