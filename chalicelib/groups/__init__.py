"""Customer groups and their discounts: membership changes, the default group, member lists.

The groups themselves are shop configuration entries (shop.repository); membership is customers' data.
"""
