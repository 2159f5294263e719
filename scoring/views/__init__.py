"""HTTP only, one module per area; ``scoring.urls`` joins their patterns."""
