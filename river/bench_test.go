package nexwayriver

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// createSeen tells when a create request leaves for the fake.
type createSeen struct {
	next http.RoundTripper
	seen chan time.Time
}

func (c *createSeen) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/order/new") {
		select {
		case c.seen <- time.Now():
		default:
		}
	}
	return c.next.RoundTrip(r)
}

// BenchmarkCommitToCreate measures the latency from a payment's commit to
// its create request at Nexway, one payment at a time, the payment queued
// by a client of its own (a web process) so that the workers learn of it as
// they would in production: LISTEN/NOTIFY on PostgreSQL through pgx,
// polling on SQLite. "default" is River's configuration (a fetch at most
// every 100 ms, a poll every second, and an insert notifies at most once
// per 100 ms per queue); "tuned" fetches at most every 10 ms and polls
// every 100 ms, on both clients.
func BenchmarkCommitToCreate(b *testing.B) {
	for _, tuning := range []struct {
		name string
		conf func() *river.Config
	}{
		{"default", func() *river.Config { return &river.Config{Logger: quietLogger} }},
		{"tuned", func() *river.Config {
			return &river.Config{Logger: quietLogger, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 100 * time.Millisecond}
		}},
	} {
		b.Run("sqlite/"+tuning.name, func(b *testing.B) {
			s, db := sqliteShop(b)
			web, err := river.NewClient(riversqlite.New(db), tuning.conf())
			if err != nil {
				b.Fatal(err)
			}
			benchCommitToCreate(b, s, web, tuning.conf())
		})
		b.Run("pgx/"+tuning.name, func(b *testing.B) {
			postgresDSN(b)
			s, pool := pgxShop(b)
			web, err := river.NewClient(riverpgxv5.New(pool), tuning.conf())
			if err != nil {
				b.Fatal(err)
			}
			benchCommitToCreate(b, s, web, tuning.conf())
		})
	}
}

func benchCommitToCreate[TTx any](b *testing.B, s *shop[TTx], web *river.Client[TTx], rc *river.Config) {
	seen := &createSeen{next: http.DefaultTransport.(*http.Transport).Clone(), seen: make(chan time.Time, 1)}
	srv := nexwaytest.NewServer(b, nexwaytest.WithClientOptions(nexway.WithTransport(seen)))
	if err := srv.SetPublisher(batchProduct, nexwaytest.GeneratedKeys("NAP")); err != nil {
		b.Fatal(err)
	}
	start(b, &Config[TTx]{Nexway: srv.Client, DB: s.db, Orders: s.hooks(nil)}, rc)
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if err := s.pay(web, order("B-"+strconv.Itoa(i), batchProduct), false); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		select {
		case t1 := <-seen.seen:
			latencies = append(latencies, max(t1.Sub(t0), 0))
		case <-time.After(30 * time.Second):
			b.Fatalf("payment %d: no create request within 30 s", i)
		}
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkPipeline measures the jobs a second the back office settles
// against a fake with no rate limit: the overhead of River, the database
// and the hooks, queued payments from enqueue to the completion
// transaction.
func BenchmarkPipeline(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		s, _ := sqliteShop(b)
		benchPipeline(b, s)
	})
	b.Run("pgx", func(b *testing.B) {
		postgresDSN(b)
		s, _ := pgxShop(b)
		benchPipeline(b, s)
	})
}

func benchPipeline[TTx any](b *testing.B, s *shop[TTx]) {
	srv := nexwaytest.NewServer(b, nexwaytest.WithRequestLogLimit(1, 1<<10))
	if err := srv.SetPublisher(batchProduct, nexwaytest.GeneratedKeys("NAP")); err != nil {
		b.Fatal(err)
	}
	cfg := &Config[TTx]{Nexway: srv.Client, DB: s.db, Orders: s.hooks(nil), CheckoutWorkers: 50}
	c, err := NewClient(cfg, &river.Config{Logger: quietLogger, FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	// Queued before the workers start, in transactions of 100 payments.
	ctx := context.Background()
	for lo := 0; lo < b.N; lo += 100 {
		if err := s.db.inTx(ctx, func(tx TTx) error {
			for i := lo; i < min(lo+100, b.N); i++ {
				r := order("B-"+strconv.Itoa(i), batchProduct)
				if err := s.exec(ctx, tx, "INSERT INTO payments (pon, amount) VALUES (?, ?)", r.PartnerOrderNumber, 4999); err != nil {
					return err
				}
				if _, err := EnqueueOrderTx(ctx, c, tx, r); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	t0 := time.Now()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	waitFor(b, "the payments settled", 30*time.Minute, func() bool { return s.query("SELECT COUNT(*) FROM deliveries") >= b.N })
	elapsed := time.Since(t0)
	b.StopTimer()
	stop, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c.Stop(stop)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
}
