"""gunicorn's configuration for kikin: `gunicorn -c src/kikin/gunicorn.conf.py` (`kikin serve`
passes it). Every figure can be set from the environment.

* KIKIN_BIND (127.0.0.1:8000), KIKIN_WEB_WORKERS (2 × cores + 1, at most 9), KIKIN_WEB_THREADS
  (2: threaded workers, so a request waiting on the database does not hold a whole process);
* KIKIN_WEB_TIMEOUT (30 s: a request that takes longer is stopped; long work belongs to the
  background worker), KIKIN_WEB_MAX_REQUESTS (a worker is renewed after this many requests);
* KIKIN_FORWARDED_ALLOW_IPS: the proxies whose X-Forwarded-* headers are believed.

The application is loaded once in the master (preload_app) and workers are forked from it.
Each process opens its own PostgreSQL pool (KIKIN_DB_POOL_MAX connections at most) after the
fork, so web workers × that pool size is the most the web tier ever holds.
"""

import gc
import multiprocessing
import os

wsgi_app = "kikin.wsgi:application"
# The application is loaded (and warmed: kikin.ops.warmup) once, in the master, and every worker
# is forked from it: one started under load, to renew or replace another, serves at once. The
# master opens no database connection, so each worker still opens its own pool.
preload_app = True
bind = os.environ.get("KIKIN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("KIKIN_WEB_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 9))
threads = int(os.environ.get("KIKIN_WEB_THREADS") or 2)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("KIKIN_WEB_TIMEOUT") or 30)
graceful_timeout = 30
keepalive = 5
backlog = 2048
max_requests = int(os.environ.get("KIKIN_WEB_MAX_REQUESTS") or 5000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("KIKIN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "kikin-web"
# Logs on standard output/error; the access log as one JSON object a line with the request id
# that kikin.ops puts in the response (and in its own log lines).
accesslog = os.environ.get("KIKIN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = (
    '{"time": "%(t)s", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
    '"status": %(s)s, "bytes": "%(B)s", "ms": %(M)s, "request_id": "%({x-request-id}o)s", '
    '"agent": "%(a)s"}'
)


def pre_fork(server, worker):
    """What the master loaded (the application, warmed) is moved out of the garbage collector's
    reach before a worker is forked from it: a worker's full collections then walk only what it
    allocated itself, not the whole inherited heap (about 180 ms each, in the middle of some
    request), and leave the pages it shares with the master unwritten."""
    gc.collect()
    gc.freeze()
