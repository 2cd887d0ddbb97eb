"""Proving a WeChat user is the card holder: SMS codes, kept hashed and short-lived."""
