"""Celery entry points of scoring: call the service, nothing else."""

from __future__ import annotations

import logging

from celery import shared_task

from scoring.services import periods

logger = logging.getLogger(__name__)


@shared_task
def send_deadline_reminders() -> int:
    """Deadline reminders of open periods (3 days and 1 day before). Idempotent: each
    reminder is recorded once sent, so the beat may run it every hour."""
    sent = periods.send_deadline_reminders()
    if sent:
        logger.info("Sent %d scoring deadline reminders", sent)
    return sent
