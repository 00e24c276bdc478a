"""Periodic jobs of key-person control. The huey consumer started by run.sh runs the schedule
itself (no cron to set up)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def missed_checks_task() -> int:
    from gridguard.control.services import missed_checks_detect

    raised = missed_checks_detect()
    if raised:
        logger.info("missed-check alerts raised: %s", raised)
    return raised
