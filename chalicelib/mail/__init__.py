"""Outbound mail: notifications, Jinja2 templates (templates/<en|fr|es>/, sandboxed and autoescaped), the
mailers (SES, outbox) and the sent-mail log that makes every mail at-most-once.
"""
