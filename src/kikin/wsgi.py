import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kikin.settings")
application = get_wsgi_application()

# Ready before the first request (kikin.ops.warmup); with gunicorn's preload_app, done once in
# the master and inherited by every worker it forks. A failure here only costs the first
# requests the time it would have saved: the server starts all the same.
try:
    from kikin.ops.warmup import warm_up

    warm_up()
except Exception:
    logging.getLogger("kikin.ops.warmup").warning("warm-up skipped", exc_info=True)
