"""`onecard doctor`: is this deployment ready to go live, and still, after every change? One check per line."""
