package nexwayotel

import (
	"sync"
	"sync/atomic"
)

// maxCached bounds each cache: keys come from operation names, which a
// RawRequest chooses, and HTTP statuses; past the bound, values are built
// per call instead.
const maxCached = 1024

// cache keeps values built from a few low-cardinality fields (span names,
// attribute lists, metric options), so that a call does not build them
// again. Reads take no lock: the map is replaced whole, copied, on a miss.
type cache[K comparable, V any] struct {
	mu sync.Mutex // serializes writers
	m  atomic.Pointer[map[K]V]
}

// get returns the value for k, building it with build on a miss.
func (c *cache[K, V]) get(k K, build func(K) V) V {
	if m := c.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	v := build(k)
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil && len(*old) >= maxCached {
		return v
	}
	next := make(map[K]V, 1+lenOf(old))
	if old != nil {
		for key, val := range *old {
			next[key] = val
		}
	}
	next[k] = v
	c.m.Store(&next)
	return v
}

func lenOf[K comparable, V any](m *map[K]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
