package dev.interlock.plugin.voice.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last {@code capacity} keys with a value each, oldest evicted first: bounded memory for de-duplication and
 * correlation, whatever the peer sends. Not thread-safe; callers synchronize.
 */
final class BoundedRecents<K, V> {

    private final LinkedHashMap<K, V> map;

    BoundedRecents(int capacity) {
        this.map = new LinkedHashMap<>(Math.min(capacity, 1 << 12), 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Records {@code key}; returns {@code false} if it was already present (then nothing changes). */
    boolean add(K key, V value) {
        if (map.containsKey(key)) {
            return false;
        }
        map.put(key, value);
        return true;
    }

    V get(K key) {
        return map.get(key);
    }

    boolean contains(K key) {
        return map.containsKey(key);
    }

    int size() {
        return map.size();
    }
}
