"""What every feature shares and no feature owns: settings (the only reader of the environment), the clock and
ids, the error types the one error table maps, text folding, logging/tracing, password hashing, JWTs, signed
cursors, secrets, object storage (files), and the request/response base schemas with their validation.

It imports nothing else from chalicelib: features and models build on it, never the reverse.
"""
