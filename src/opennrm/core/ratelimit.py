"""Fixed-window counters per client and hour, kept in the cache only.

Used for the anonymous public channel (reports, follow-up attempts) and for rejected API tokens.
The client is recognised by a keyed hash of its address and the current hour; the counter expires
with the hour. Nothing reaches the database or the logs, so a limit does not become a record of
who reported. With several server processes, set ``OPENNRM_CACHE_URL`` to a shared Redis cache.
"""

from __future__ import annotations

from django.core.cache import cache

from opennrm.core import clock, crypto

WINDOW_SECONDS = 3600


def _key(bucket: str, client: str) -> str:
    hour = int(clock.now().timestamp()) // WINDOW_SECONDS
    return f"opennrm:rl:{bucket}:{crypto.blind_index('intake.ratelimit', f'{hour}|{client}')}"


def attempts(bucket: str, client: str) -> int:
    """Count one attempt and return how many the client made this hour (this one included)."""
    key = _key(bucket, client)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        return 1


def hit(bucket: str, client: str, limit: int) -> bool:
    """Count one attempt; False when the client has used up ``limit`` attempts this hour."""
    return attempts(bucket, client) <= limit
