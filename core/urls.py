from __future__ import annotations

from django.urls import path

from core import notifications_views
from core.documents import verification, views

urlpatterns = [
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
]
urlpatterns += verification.urlpatterns
urlpatterns += notifications_views.urlpatterns
