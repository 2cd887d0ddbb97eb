"""The WeChat Official Account API: customer-service messages, tokens, menus."""
