"""Throttles that slow attackers without locking the real person out: counters per scope, subject and
window, in TTL items of the single table.
"""
