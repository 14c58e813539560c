"""The rate-limit storage: limits' counters, swept inline instead of by a timer thread per hit."""

import threading
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from formhandler.ratelimits import SCHEME, SweptMemoryStorage


def test_the_scheme_gives_the_swept_storage():
    assert isinstance(storage_from_string(SCHEME), SweptMemoryStorage)


def test_limits_are_enforced_per_key():
    limiter = FixedWindowRateLimiter(storage_from_string(SCHEME))
    item = parse("3 per minute")
    assert [limiter.hit(item, "ip", "a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "ip", "b")  # another key has its own count


def test_hits_start_no_thread_and_expired_keys_are_swept_a_few_at_a_time():
    storage = storage_from_string(SCHEME)
    storage.timer.join()  # the parent's one initial timer has run out
    before = threading.active_count()
    for n in range(500):
        storage.incr(f"key-{n}", expiry=0.5)  # long enough for none to end during the loop, even on a busy machine
    assert threading.active_count() == before
    time.sleep(0.6)
    storage.incr("fresh", expiry=60)
    assert len(storage.storage) > 400  # no hit scans every key at once
    for _ in range(2 * 500 // SweptMemoryStorage.KEYS_PER_HIT):
        storage.incr("fresh", expiry=60)
    assert set(storage.storage) == {"fresh"}
