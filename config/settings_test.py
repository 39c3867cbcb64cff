"""Settings for pytest: the dev settings in test mode (fast hashing, no debug)."""

import os

os.environ.setdefault("CAUNOI_ENV", "test")

from config.settings import *  # noqa: E402,F403
