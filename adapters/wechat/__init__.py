"""The WeChat Official Account API: customer-service messages within their quotas, template messages, tokens, menus."""
