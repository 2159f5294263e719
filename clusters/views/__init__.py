"""HTTP only: authorize with ``clusters.permissions``, validate with a form, call a
service, redirect. One module per area; ``clusters.urls`` joins their patterns."""
