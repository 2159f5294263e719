"""Input validation only, one module per area; the rules live in services."""
