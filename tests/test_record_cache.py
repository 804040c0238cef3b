"""codegen.cache.RecordCache: values kept beside frozen records, bounded, dropped with their record."""
import gc
from dataclasses import dataclass

import numpy as np

from symgd.codegen.cache import RecordCache


@dataclass(frozen=True)
class Record:
    arrays: tuple  # unhashable content (arrays), as bound data has


def test_made_once_per_record_and_key():
    cache, calls = RecordCache(), []
    r = Record((np.zeros(3),))
    make = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert cache.get(r, "k", make) == 1 and cache.get(r, "k", make) == 1 and cache.get(r, "j", make) == 2
    assert cache.get(Record((np.zeros(3),)), "k", make) == 3  # an equal-looking record is another record


def test_entries_die_with_their_record_and_the_size_is_bounded():
    cache = RecordCache(size=4)
    r = Record((np.zeros(3),))
    cache.get(r, "k", lambda: 1)
    del r
    gc.collect()
    assert len(cache) == 0
    keep = [Record(()) for _ in range(10)]
    for rec in keep:
        cache.get(rec, "k", lambda: 0)
    assert len(cache) == 4


def test_lru_cache_makes_once_and_drops_the_least_recently_used():
    from symgd.codegen.cache import LruCache
    cache, calls = LruCache(size=2), []
    make = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert cache.get("a", make) == 1 and cache.get("a", make) == 1
    cache.get("b", make)
    cache.peek("a")            # a is now the most recently used
    cache.get("c", make)       # b is dropped
    assert cache.peek("b") is None and cache.peek("a") == 1 and len(cache) == 2
