"""Customers: the profile, its e-mail uniqueness and merchant reference, search and the list's query plan,
storefront accounts (registration, sign-in, verification, password reset, account tokens) and their schemas.

Other features write customers' items inside their own transactions through the write-item builders
this package exports, never through its repository's internals.
"""
