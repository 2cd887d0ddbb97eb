"""One module per back-office page; each exports `PAGES`, the routes it serves."""
