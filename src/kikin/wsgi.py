import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kikin.settings")
application = get_wsgi_application()

# Ready before the first request (kikin.ops.warmup); with gunicorn's preload_app, done once in
# the master and inherited by every worker it forks.
from kikin.ops.warmup import warm_up  # noqa: E402

warm_up()
