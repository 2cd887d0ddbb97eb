"""Pages inside WeChat (mounted at /m/ by the web process): the card, the statement, the bills as charts."""
