"""Caches of generated code and derived values: beside frozen records (``RecordCache``), or by key
(``LruCache``), every one bounded.

``RecordCache``: values computed for a frozen record, kept beside it rather than written into it.

Generated functions and derived tables (a program's torch namespace, a binding's Gram matrix) are made
on first use. Writing them into the record through ``__dict__`` changed frozen values from other modules;
here they live in a bounded table keyed by the record's identity, each entry dropped when its record is
collected (a weak reference) or when the table is full (least recently used first). Hand-written because
``functools.lru_cache`` needs hashable keys and bound data holds arrays; ``LruCache`` is its keyed twin
for callers that build the value only on a miss (``functools.lru_cache`` would key on every argument).
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class RecordCache:
    """``get(record, key, make)``: ``make()``'s value for (record, key), made once while it is cached."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, Hashable], tuple[weakref.ref, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, record: Any, key: Hashable, make: Callable[[], Any]) -> Any:
        slot = (id(record), key)
        with self._lock:
            hit = self._entries.get(slot)
            if hit is not None and hit[0]() is record:  # same id and the same live object
                self._entries.move_to_end(slot)
                return hit[1]
        value = make()
        entries = self._entries
        ref = weakref.ref(record, lambda _ref, slot=slot: entries.pop(slot, None))
        with self._lock:
            self._entries[slot] = (ref, value)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


class LruCache:
    """``get(key, make)``: compiled code by a hashable key, at most ``size`` entries (least recently used
    dropped first), safe across threads. The one bound on the module-level caches of generated code."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> Any:
        """The entry for ``key``, or None (no ``make``: the fast path of a repeat call)."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        value = self.peek(key)
        if value is None:
            value = make()
            with self._lock:
                self._entries[key] = value
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)
