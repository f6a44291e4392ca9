"""Personal data: per-channel consents and unsubscribe links, the personal-data export, erasure (with the
suppression list) and retention.
"""
