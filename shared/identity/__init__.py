"""Advisor and admin identity: users, password hashing and policy, sessions.

Lives in `shared/` because both the bff (sign-in) and the ops commands
(`create-user`, `seed-demo`) need it, and `shared/` may not import the bff.
"""
