"""Real-time card events: every card-system transaction checked against what its holder asked to
be told (spending, low balance, automatic top-up, daily summary) and against the suspicious-use
rules, and the resulting alerts recorded for the reply pool as notices."""
