import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# System checks do not run under gunicorn: refuse a weak production key here too (caunoi.E001).
from casework.checks import refuse_weak_secret_key  # noqa: E402

refuse_weak_secret_key()
