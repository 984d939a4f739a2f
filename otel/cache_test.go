package nexwayotel

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// The cache returns what build gives, does not build a cached key again,
// and stops growing at maxCached.
func TestCacheBounded(t *testing.T) {
	var c cache[int, string]
	var builds atomic.Int64
	build := func(k int) string {
		builds.Add(1)
		return strconv.Itoa(k)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2 * maxCached {
				k := (i + g*100) % (2 * maxCached)
				if v := c.get(k, build); v != strconv.Itoa(k) {
					t.Errorf("get(%d) = %q", k, v)
				}
			}
		})
	}
	wg.Wait()
	cached := *c.m.Load()
	if len(cached) != maxCached {
		t.Fatalf("%d entries, want %d", len(cached), maxCached)
	}
	builds.Store(0)
	for k := range cached {
		c.get(k, build)
	}
	if n := builds.Load(); n != 0 {
		t.Errorf("%d cached keys built again", n)
	}
	uncached := 0
	for _, ok := cached[uncached]; ok; _, ok = cached[uncached] {
		uncached++
	}
	if v := c.get(uncached, build); v != strconv.Itoa(uncached) || builds.Load() != 1 || len(*c.m.Load()) != maxCached {
		t.Errorf("past the bound: %q, %d builds, %d entries", v, builds.Load(), len(*c.m.Load()))
	}
}
