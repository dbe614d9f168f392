"""The Celery application of the background worker: `celery -A kikin worker`.

Its settings are Django's `CELERY_*` settings (`kikin.settings`); the only task it runs is
`kikin.jobs.tasks.run_job` (one `kikin.jobs.models.Job` by id) and the periodic sweep that sends
again what was lost (`kikin.jobs.tasks.sweep`).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kikin.settings")

app = Celery("kikin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["kikin.jobs"])
