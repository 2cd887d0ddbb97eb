"""Processes started as in production, WeChat played from outside; the browser tests drive Chromium."""
