package nexwaytest

import (
	"sync"
	"time"
)

// retrier is a Publisher whose failed calls the fake retries in the
// background, as Nexway retries a failed fulfillment call: HTTPPublisher.
type retrier interface {
	Publisher
	// retryDelay returns the wait before retry n (from 1) of a call that
	// failed with err, and false when err is not worth retrying or the
	// retries are spent.
	retryDelay(n int, err error) (time.Duration, bool)
}

// background runs the fake's retry loops, so that Close can wait for them.
// The zero value is ready.
type background struct {
	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// goDo runs f in a goroutine, unless stop was called: then it reports false.
func (b *background) goDo(f func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return false
	}
	b.wg.Go(f)
	return true
}

// stop refuses new work and waits for the running work to end.
func (b *background) stop() {
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
	b.wg.Wait()
}

// settle ends a unit's publisher call: the unit is no longer in flight, and
// has its key unless err is set.
func (s *Server) settle(j keyJob, key string, err error) {
	s.mu.Lock()
	j.it.inflight = false
	if err == nil {
		j.it.key = key
	}
	s.mu.Unlock()
}

// retryLater starts retrying j in the background when its publisher retries
// err, and reports whether it did. The unit stays in flight meanwhile, so
// that reads of the order show it undelivered without calling the
// publisher themselves.
func (s *Server) retryLater(j keyJob, err error) bool {
	r, ok := j.pub.(retrier)
	if !ok {
		return false
	}
	wait, ok := r.retryDelay(1, err)
	if !ok || s.ctx.Err() != nil {
		return false
	}
	return s.bg.goDo(func() { s.retry(j, r, wait) })
}

// retry calls j's publisher again after each wait, with the same request,
// until it delivers, fails for good, runs out of retries, the fake closes,
// or Reset drops the order.
func (s *Server) retry(j keyJob, r retrier, wait time.Duration) {
	t := time.NewTimer(wait)
	defer t.Stop()
	for n := 2; ; n++ {
		select {
		case <-s.ctx.Done():
			s.settle(j, "", s.ctx.Err())
			return
		case <-t.C:
		}
		if !s.owns(j.o) {
			return // the unit is no longer the fake's: nothing to settle
		}
		key, err := issueKey(s.ctx, j.pub, j.req)
		if err == nil {
			s.settle(j, key, nil)
			return
		}
		if wait, ok := r.retryDelay(n, err); ok {
			t.Reset(wait)
			continue
		}
		s.settle(j, "", err)
		return
	}
}

// owns reports whether o is still the fake's order, stored or being
// created, rather than one that Reset dropped.
func (s *Server) owns(o *order) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.orders[o.pon] == o || s.reserved[o.pon]
}
