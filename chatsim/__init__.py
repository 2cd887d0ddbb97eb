"""The chat simulator: talk to the platform as a follower would, without WeChat.

A real client of the platform: it signs callbacks with the account's token (and encrypts them in
safe mode) and POSTs them to the ingress over HTTP, then shows what the WeChat API simulator
received from the reply worker. Served only where that simulator stands in for WeChat.
"""
