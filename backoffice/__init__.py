"""The back-office (后台管理): the card office's web application, mounted under /admin."""
