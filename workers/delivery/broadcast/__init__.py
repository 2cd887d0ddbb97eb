"""Broadcasts: plan pages of recipients, send each page once, resume what a broker lost."""
