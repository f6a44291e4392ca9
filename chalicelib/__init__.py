"""Clientele: the customers area of a shop back-office, as a Chalice application.

One package per feature (customers, addresses, groups, staff, shop, storefront_keys, carts, support,
imports, privacy, mail, throttle) between the edge (handlers/) and the table (models/), over core/.
wiring/ is the composition root; bootstrap.py provisions the table and bucket locally.
"""
