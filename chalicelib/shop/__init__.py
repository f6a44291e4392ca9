"""The shop's configuration: settings, titles, customer-service contacts, order messages, group
definitions and the password policy.
"""
