import logging
import re
import threading
import time

logger = logging.getLogger(__name__)
TENANT_RE = re.compile(r"^[a-z0-9-]+$")
TIER_LIMITS = {"free": 10, "pro": 100}
_lock = threading.Lock()

_buckets = {}


def check_rate_limit(tenant: str, tier: str) -> bool:
    now = time.monotonic()
    with _lock:
        window = _buckets.setdefault(tenant, [])
        window[:] = [t for t in window if now - t < 60]
        window.append(now)
        return len(window) <= TIER_LIMITS[tier]
