"""gunicorn's configuration (`gunicorn -c datachat/gunicorn.conf.py datachat.wsgi:application`).

Every knob comes from the environment so the same file serves `make run`, `make up`, the container
and Kubernetes. Sync workers: a question is CPU and database work of well under a second, and the
SQL executor bounds each query with its own deadline, so a worker is never parked for long.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, "") or default)


# Where to listen: `PORT` (Heroku/Procfile convention) unless GUNICORN_BIND says otherwise.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# (2 x cores) + 1 is gunicorn's own rule of thumb; containers set it to what their CPU limit buys.
workers = _int("GUNICORN_WORKERS", (os.cpu_count() or 1) * 2 + 1)
worker_class = "sync"
# A request that runs longer than this is killed and its worker replaced. Above the SQL deadline
# and the LLM budget so those give a clean answer first.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (deploys, scale-down) a worker finishes its request within this before it is killed.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow without bound; the jitter keeps them
# from restarting all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Load the application before forking: a misconfiguration (a missing production variable) stops
# the master at start-up with its message instead of making every worker crash in a loop.
preload_app = True

# Logs to stdout/stderr: the process manager (honcho, Docker, Kubernetes) collects them.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client address, time, request line, status, bytes, duration in ms, user agent. No referrer: it
# can carry a conversation's URL into a log with a wider audience than the app.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Behind the proxy the client address comes from X-Forwarded-For; trust it only from these.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): two
# servers on one machine (the demo and a test run) would fight over it, and a container's user may
# have no writable home. Nothing here uses it; signals (HUP, TERM, TTIN/TTOU) still work.
control_socket_disable = True
