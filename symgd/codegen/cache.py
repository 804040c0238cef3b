"""Values computed for a frozen record, kept beside it rather than written into it.

Generated functions and derived tables (a program's torch namespace, a binding's Gram matrix) are made
on first use. Writing them into the record through ``__dict__`` changed frozen values from other modules;
here they live in a bounded table keyed by the record's identity, each entry dropped when its record is
collected (a weak reference) or when the table is full (least recently used first). Hand-written because
``functools.lru_cache`` needs hashable keys and bound data holds arrays.
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
