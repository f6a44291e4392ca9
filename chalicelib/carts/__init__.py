"""Carts and the customer side of orders: guest and customer carts, checkout, orders, the abandoned-cart
sweep and its reminder (opt-in, double opt-in confirmation), cart tokens and voucher codes.
"""
