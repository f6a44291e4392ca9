"""Storefront API keys: the shop server's credential for the /store routes (created, listed, revoked)."""
