"""HTTP only, one module per area; ``covenants.urls`` joins their patterns."""
