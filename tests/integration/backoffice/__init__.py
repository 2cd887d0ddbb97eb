"""The back-office over HTTP as an operator's browser uses it: sign-in, roles, CSRF, every action."""
