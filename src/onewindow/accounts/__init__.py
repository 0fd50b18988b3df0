"""Accounts: users, API tokens, credentials (Argon2) and signing in.

Above `common` and below every other domain. Other packages use its `service` (and `schemas`); `common`
never imports it — it asks the Authenticator this package registers (common.http, Domain.authenticator).
"""
