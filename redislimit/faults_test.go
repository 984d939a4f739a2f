package redislimit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// clock is a Limiter's clock for outages, which only moves by hand: an
// outage then lasts until the test ends it, however slow the machine.
type clock struct {
	start time.Time
	ahead atomic.Int64
}

func (c *clock) now() time.Time          { return c.start.Add(time.Duration(c.ahead.Load())) }
func (c *clock) advance(d time.Duration) { c.ahead.Add(int64(d)) }

// withClock gives l a clock of the test's.
func withClock(l *Limiter) *clock {
	c := &clock{start: time.Now()}
	l.now = c.now
	return c
}

// waitFails checks that Wait, given a deadline of 10 s, fails with an
// error matching want before the deadline. The tests' limits make every
// wait longer than that.
func waitFails(t *testing.T, l *Limiter, want error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := l.Wait(ctx)
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	if ctx.Err() != nil {
		t.Fatal("Wait returned only when the deadline had passed")
	}
	return err
}

// waitOK checks that Wait admits a request without waiting 10 s.
func waitOK(t *testing.T, l *Limiter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// noLeak fails if text holds any of the secrets.
func noLeak(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%q gives away %q", text, s)
		}
	}
}

// Two a minute, burst 2: shared, a third request within the minute must
// wait 30 s. Split between 2 replicas, one a minute, burst 1.
var twoAMinute = WithRate(rate.Every(30*time.Second), 2)

// Redis down when the limiter starts: it fails or limits locally at
// rate/N, then shares the limit once Redis is up and the outage's second
// has passed.
func TestRedisDownAtStart(t *testing.T) {
	s := newRedisServer(t) // not started yet
	_, port, _ := net.SplitHostPort(s.addr)
	// go-redis retries a refused connection, which may outlast the
	// limiter's timeout: either reason says what happened.
	refused := []string{"connection refused", "no answer within 100ms"}
	t.Run("fallback", func(t *testing.T) {
		l := newLimiter(t, newClient(t, s.addr), "account", twoAMinute, WithFallback(2))
		waitOK(t, l)
		waitFails(t, l, context.DeadlineExceeded) // the local burst of 1 is spent
	})

	rdb := newClient(t, s.addr)
	l := newLimiter(t, rdb, "account", twoAMinute, WithoutFallback())
	clk := withClock(l)
	err := waitFails(t, l, ErrRedisUnavailable)
	if reason := strings.TrimPrefix(err.Error(), "redislimit: Redis unavailable: "); !slices.Contains(refused, reason) {
		t.Errorf("error %q, want the reason to be one of %q", err, refused)
	}
	noLeak(t, err.Error(), port)

	s.start()
	waitFails(t, l, ErrRedisUnavailable) // Redis is left alone for a second
	clk.advance(retryRedisAfter)
	waitOK(t, l)
	if rdb.Exists(context.Background(), "rate:"+l.key).Val() != 1 {
		t.Error("admitted without Redis")
	}
}

// Redis killed mid-run and started again, empty: the limiter limits
// locally at rate/N meanwhile, logs the change both ways, and shares the
// limit again.
func TestRedisRestart(t *testing.T) {
	s := startRedis(t)
	_, port, _ := net.SplitHostPort(s.addr)
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	rdb := newClient(t, s.addr)
	a := newLimiter(t, rdb, "account", twoAMinute, WithFallback(2), WithLogger(logger))
	b := newLimiter(t, newClient(t, s.addr), "account", twoAMinute, WithFallback(2))
	clk := withClock(a)

	waitOK(t, a)
	waitOK(t, a)
	waitFails(t, b, context.DeadlineExceeded) // b sees a's requests

	s.stop()
	waitOK(t, a) // the local burst of 1
	waitFails(t, a, context.DeadlineExceeded)
	if !strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), "limiting locally") {
		t.Errorf("no warning logged:\n%s", logged.String())
	}

	s.start()
	waitFails(t, a, context.DeadlineExceeded) // Redis is left alone for a second
	clk.advance(retryRedisAfter)
	waitOK(t, a) // Redis restarted empty: a full shared burst
	waitOK(t, a)
	waitFails(t, b, context.DeadlineExceeded)
	if rdb.Exists(context.Background(), "rate:"+a.key).Val() != 1 {
		t.Error("admitted without Redis")
	}
	if !strings.Contains(logged.String(), "shared through Redis again") {
		t.Errorf("no recovery logged:\n%s", logged.String())
	}
	noLeak(t, logged.String(), port)
}

// A Redis that stops answering holds no call past WithRedisTimeout, nor
// past the call's context, whether it ends by deadline or cancellation:
// Wait returns while the question to Redis is still unanswered.
func TestSlowRedis(t *testing.T) {
	s := startRedis(t)
	// Each case's client is connected before Redis pauses, so that its
	// question is sent and waits for the answer.
	type slow struct {
		*Limiter
		pending *pending
	}
	cases := map[string]slow{}
	for name, opts := range map[string][]Option{
		"timeout":  {WithoutFallback(), WithRedisTimeout(50 * time.Millisecond)},
		"fallback": {WithRedisTimeout(50 * time.Millisecond)},
		"deadline": {WithRedisTimeout(time.Hour)},
		"cancel":   {WithRedisTimeout(time.Hour)},
	} {
		rdb := newClient(t, s.addr)
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		p := &pending{}
		rdb.AddHook(p)
		cases[name] = slow{newLimiter(t, rdb, "account", opts...), p}
	}
	admin := newClient(t, s.addr)
	if err := admin.Do(context.Background(), "CLIENT", "PAUSE", "60000", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	unanswered := func(t *testing.T, p *pending) {
		if p.n.Load() != 1 {
			t.Errorf("Wait returned with %d questions unanswered, want the 1 it asked", p.n.Load())
		}
	}

	t.Run("timeout", func(t *testing.T) {
		l, p := cases["timeout"].Limiter, cases["timeout"].pending
		err := waitFails(t, l, ErrRedisUnavailable)
		if err.Error() != "redislimit: Redis unavailable: no answer within 50ms" {
			t.Errorf("error %q", err)
		}
		unanswered(t, p)
	})
	t.Run("fallback", func(t *testing.T) {
		l, p := cases["fallback"].Limiter, cases["fallback"].pending
		waitOK(t, l)
		unanswered(t, p)
	})
	t.Run("deadline", func(t *testing.T) {
		l, p := cases["deadline"].Limiter, cases["deadline"].pending
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
		unanswered(t, p)
	})
	t.Run("cancel", func(t *testing.T) {
		l, p := cases["cancel"].Limiter, cases["cancel"].pending
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The question stays with the client after the cancellation, as
		// with a client that does not heed its context.
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		p.sent = func(redis.Cmder) { cancel(); <-release }
		if err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		unanswered(t, p)
	})
}

// pending is a go-redis hook that counts the scripts sent and not
// answered yet, and calls sent, if set, as each is sent.
type pending struct {
	n    atomic.Int64
	sent func(redis.Cmder)
}

func (p *pending) DialHook(next redis.DialHook) redis.DialHook { return next }

func (p *pending) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (p *pending) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !strings.HasPrefix(cmd.Name(), "eval") {
			return next(ctx, cmd)
		}
		p.n.Add(1)
		defer p.n.Add(-1)
		if p.sent != nil {
			p.sent(cmd)
		}
		return next(ctx, cmd)
	}
}

// A wrong address, port or password: the error names the kind of failure
// and none of them; with the fallback, requests go on.
func TestWrongAddress(t *testing.T) {
	const password = "pa55-w0rd-42"
	s := startRedis(t, "--requirepass", "right-"+password)
	_, port, _ := net.SplitHostPort(s.addr)
	_, closed, _ := net.SplitHostPort(freeAddr(t))
	for _, tc := range []struct {
		name    string
		opts    *redis.Options
		reasons []string
		secrets []string
	}{
		{"host", &redis.Options{Addr: "redis.invalid:6379", Password: password},
			[]string{"address not resolved", "no answer within 100ms"}, []string{"redis.invalid", "6379", password}},
		{"port", &redis.Options{Addr: "127.0.0.1:" + closed, Password: password},
			[]string{"connection refused", "no answer within 100ms"}, []string{"127.0.0.1", closed, password}},
		{"password", &redis.Options{Addr: s.addr, Username: "shop", Password: password},
			[]string{"error reply WRONGPASS"}, []string{"127.0.0.1", port, "shop", password}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := redis.NewClient(tc.opts)
			t.Cleanup(func() { rdb.Close() })
			l := newLimiter(t, rdb, "account", WithoutFallback())
			err := waitFails(t, l, ErrRedisUnavailable)
			reason := strings.TrimPrefix(err.Error(), "redislimit: Redis unavailable: ")
			if !slices.Contains(tc.reasons, reason) {
				t.Errorf("error %q, want the reason to be one of %q", err, tc.reasons)
			}
			noLeak(t, err.Error(), tc.secrets...)
			waitOK(t, newLimiter(t, rdb, "account"))
		})
	}
}
