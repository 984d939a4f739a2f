package nexwayriver

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/nexway-go/nexway/redislimit"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"golang.org/x/time/rate"
)

// The proof: worker processes (this test binary run again in worker mode)
// on PostgreSQL, one of them killed with SIGKILL every few seconds and
// started again, against the fake Nexway faulting 30% of the requests
// (some after processing them) and enforcing its rate limit, while
// payments commit or roll back. Once the queue drains, every committed
// payment has exactly one delivery or one failure, each late delivery
// exactly once, no rolled-back payment an order, and the fake answered no
// 429.

var (
	killN     = flag.Int("backoffice.n", 2000, "payments of the kill test")
	killRate  = flag.Float64("backoffice.rate", 200, "requests a second the fake allows in the kill test (Nexway's: 10)")
	killLimit = flag.String("backoffice.limit", "redis", "kill test: the workers' rate limit: redis (shared through redislimit), local (a third of the rate in each process) or none (River's MaxWorkers alone)")
)

const (
	workerEnv     = "NEXWAY_RIVER_WORKER" // a worker's settings (workerConfig as JSON)
	killWorkers   = 3
	killSecret    = "kill-test-secret"
	killRealm     = "kill-realm"
	killClientSec = "kill-client-secret"
	oosProduct    = 733562 // out of stock
)

// workerConfig is what a worker process is told.
type workerConfig struct {
	DSN, URL, Redis, Key string
	Rate                 float64
	Burst                int
	Limit                string // redis, local or none (-backoffice.limit)
}

// runWorkerProcess runs the back office's workers until stdin closes (the
// test ended or died) or the process is killed.
func runWorkerProcess(raw string, stdin io.Reader) int {
	var cfg workerConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, cfg.DSN)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	limiter := nexway.WithRateLimit(rate.Inf, 0)
	switch cfg.Limit {
	case "local":
		limiter = nexway.WithRateLimit(rate.Limit(cfg.Rate/killWorkers), max(1, cfg.Burst/killWorkers))
	case "redis":
		l, err := redislimit.New(redis.NewClient(&redis.Options{Addr: cfg.Redis}), cfg.Key,
			redislimit.WithRate(rate.Limit(cfg.Rate), cfg.Burst), redislimit.WithFallback(killWorkers),
			// A loaded machine answers late: a question Redis answers late
			// must not send the process to its local fallback, whose fresh
			// burst the fake would see on top of the shared one.
			redislimit.WithRedisTimeout(2*time.Second),
			redislimit.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
		if err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			return 2
		}
		limiter = nexway.WithRateLimiter(l)
	}
	nc, err := nexway.NewClient(nexway.WithBaseURL(cfg.URL), nexway.WithSecret(killSecret),
		nexway.WithCredentials(killRealm, killClientSec), limiter,
		nexway.WithRetryPolicy(nexway.RetryPolicy{MaxRetries: 3, MinWait: 5 * time.Millisecond, MaxWait: 50 * time.Millisecond, MaxRetryAfter: 5 * time.Second}))
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	s := &shop[pgx.Tx]{db: Pgx(pool), exec: func(ctx context.Context, tx pgx.Tx, q string, args ...any) error {
		_, err := tx.Exec(ctx, dollars(q), args...)
		return err
	}}
	c, err := NewClient(&Config[pgx.Tx]{
		Nexway: nc, DB: s.db, Orders: s.hooks(nil), CheckoutWorkers: 20,
		Retry: Backoff{Min: 20 * time.Millisecond, Max: time.Second},
		Poll:  Backoff{Min: 50 * time.Millisecond, Max: 500 * time.Millisecond},
	}, &river.Config{
		Logger:               quietLogger,
		JobTimeout:           10 * time.Second,
		RescueStuckJobsAfter: 12 * time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	if err := c.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	fmt.Println("ready")
	io.Copy(io.Discard, stdin)
	stop, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c.Stop(stop)
	return 0
}

// worker is a running worker process.
type worker struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startWorker(cfg []byte, logs string) (*worker, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"="+string(cfg))
	out, err := os.OpenFile(logs, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &worker{cmd, stdin}, nil
}

func (w *worker) kill() {
	w.cmd.Process.Kill() // SIGKILL
	w.cmd.Wait()
	w.stdin.Close()
}

func TestKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes for a minute or more")
	}
	dsn := pgSchema(t)
	redisAddr := os.Getenv("NEXWAY_TEST_REDIS")
	if redisAddr == "" {
		redisAddr = "127.0.0.1:6379"
	}
	if *killLimit == "redis" {
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
		defer rdb.Close()
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("no Redis at %s: %v", redisAddr, err)
			}
			t.Skipf("no Redis at %s (set NEXWAY_TEST_REDIS): %v", redisAddr, err)
		}
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := pgxShopOn(t, pool)

	n := *killN
	// Nexway's documented limit is 10 a second in bursts of 10: a second's
	// worth. The fake keeps that shape at any rate; the workers share a
	// limiter a little under it, with half a second's burst, which leaves
	// room for requests that reach the fake later than Redis admitted them
	// (a busy machine, a collection).
	burst := max(1, int(*killRate))
	srv := nexwaytest.NewServer(t, nexwaytest.WithAccount(killSecret, killRealm, killClientSec), nexwaytest.WithSeed(23))
	keys := make([]string, n+10)
	for i := range keys {
		keys[i] = fmt.Sprintf("KILL-%06d", i)
	}
	if err := srv.AddKeys(batchProduct, keys...); err != nil {
		t.Fatal(err)
	}
	var pubMu sync.Mutex
	pubRand := rand.New(rand.NewPCG(23, 23))
	if err := srv.SetPublisher(realtimeProduct, nexwaytest.PublisherFunc(func(_ context.Context, req nexwaytest.LicenseRequest) (string, error) {
		pubMu.Lock()
		late := pubRand.IntN(2) == 0
		pubMu.Unlock()
		if late {
			return "", errors.New("publisher down")
		}
		return "NTS-" + req.FulfillmentID, nil
	})); err != nil {
		t.Fatal(err)
	}
	srv.SetRateLimit(rate.Limit(*killRate), burst)
	srv.SetFaultRate(nexwaytest.RouteAny, 0.3,
		nexwaytest.Fault{Kind: nexwaytest.FaultStatus, Status: 503},
		nexwaytest.Fault{Kind: nexwaytest.FaultDrop},
		nexwaytest.Fault{Kind: nexwaytest.FaultLoseResponse},
		nexwaytest.Fault{Kind: nexwaytest.FaultStatusAfterProcessing, Status: 502},
		nexwaytest.Fault{Kind: nexwaytest.FaultTruncate},
	)

	dir := t.TempDir()
	logs := filepath.Join(dir, "workers.log")
	cfg, _ := json.Marshal(workerConfig{DSN: dsn, URL: srv.URL, Redis: redisAddr, Key: "nexwayriver-kill-" + filepath.Base(dir),
		Rate: *killRate * 0.9, Burst: max(1, burst/2), Limit: *killLimit})
	workers := make([]*worker, killWorkers)
	for i := range workers {
		if workers[i], err = startWorker(cfg, logs); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, w := range workers {
			w.stdin.Close()
			w.cmd.Wait()
		}
		if t.Failed() {
			b, _ := os.ReadFile(logs)
			t.Logf("workers' output:\n%s", b)
		}
	}()

	// The killer: a random worker every 1 to 4 s, the first within a
	// second, until most payments are settled and two kills are done.
	stopKilling := make(chan struct{})
	var kills atomic.Int64
	var killer sync.WaitGroup
	killer.Add(1)
	go func() {
		defer killer.Done()
		r := rand.New(rand.NewPCG(1, 2))
		wait := time.Duration(200+r.IntN(800)) * time.Millisecond
		for {
			select {
			case <-stopKilling:
				return
			case <-time.After(wait):
			}
			wait = time.Second + time.Duration(r.IntN(3000))*time.Millisecond
			i := r.IntN(killWorkers)
			workers[i].kill()
			w, err := startWorker(cfg, logs)
			if err != nil {
				t.Errorf("restart a worker: %v", err)
				return
			}
			workers[i] = w
			kills.Add(1)
		}
	}()

	stopKiller := sync.OnceFunc(func() { close(stopKilling); killer.Wait() })
	defer stopKiller()

	// Pending orders: every so often the next order is held, and the held
	// ones are released (three in four) or rejected.
	stopHolding := make(chan struct{})
	var holder sync.WaitGroup
	holder.Add(1)
	go func() {
		defer holder.Done()
		tick := time.NewTicker(time.Duration(float64(10*time.Second) / *killRate)) // 50 ms at 200/s
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stopHolding:
				return
			case <-tick.C:
			}
			if i%10 == 0 {
				srv.HoldNext(1, 1060+i/10%2)
			}
			for _, o := range srv.Orders() {
				if o.PendingCode != 1060 && o.PendingCode != 1061 {
					continue
				}
				if hash(o.PartnerOrderNumber)%4 == 0 {
					srv.Reject(o.PartnerOrderNumber, 1062)
				} else {
					srv.Release(o.PartnerOrderNumber)
				}
			}
		}
	}()

	stopHolder := sync.OnceFunc(func() { close(stopHolding); holder.Wait() })
	defer stopHolder()

	// The payments, from 4 goroutines, on an insert-only client.
	ins, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var next atomic.Int64
	var payers sync.WaitGroup
	var payErr atomic.Value
	for range 4 {
		payers.Add(1)
		go func() {
			defer payers.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := s.pay(ins, killOrder(i), i%10 == 0); err != nil {
					payErr.Store(err)
					return
				}
			}
		}()
	}
	payers.Wait()
	if err, _ := payErr.Load().(error); err != nil {
		t.Fatal(err)
	}
	committed := n - (n+9)/10
	settled := func() int {
		return s.query("SELECT (SELECT COUNT(DISTINCT pon) FROM deliveries) + (SELECT COUNT(DISTINCT pon) FROM failures)")
	}
	// Bounded by the time the fake's limit needs for the requests (about
	// 2.5 a payment, faults and reads included), or, at a high limit, by
	// what two cores need for a payment (about 30 ms), and River's rescue
	// of the last killed worker's jobs.
	paced := time.Duration(float64(n) * 2.5 / *killRate * float64(time.Second))
	deadline := 2*time.Minute + 2*max(paced, time.Duration(n)*30*time.Millisecond)
	waitFor(t, "most payments settled and two kills", deadline, func() bool { return settled() >= committed*9/10 && kills.Load() >= 2 })
	stopKiller()
	waitFor(t, "the queue to drain", deadline, func() bool { return settled() >= committed && s.drained() })
	stopHolder()
	elapsed := time.Since(start)

	// Every committed payment: one delivery or one failure; with the fake's
	// order, or without it for a definite failure.
	if n := s.query("SELECT COUNT(*) FROM payments"); n != committed {
		t.Errorf("%d payments committed, want %d", n, committed)
	}
	for _, q := range []struct{ what, sql string }{
		{"a payment with neither a delivery nor a failure", "SELECT COUNT(*) FROM payments p WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.pon = p.pon) AND NOT EXISTS (SELECT 1 FROM failures f WHERE f.pon = p.pon)"},
		{"a payment with a delivery and a failure", "SELECT COUNT(*) FROM deliveries d JOIN failures f ON f.pon = d.pon"},
		{"a delivery twice", "SELECT COUNT(*) FROM (SELECT pon FROM deliveries GROUP BY pon HAVING COUNT(*) > 1) x"},
		{"a late delivery twice", "SELECT COUNT(*) FROM (SELECT pon FROM late_deliveries GROUP BY pon HAVING COUNT(*) > 1) x"},
		{"a failure twice", "SELECT COUNT(*) FROM (SELECT pon FROM failures GROUP BY pon HAVING COUNT(*) > 1) x"},
		{"an incomplete delivery without its late delivery", "SELECT COUNT(*) FROM deliveries d WHERE complete = 0 AND NOT EXISTS (SELECT 1 FROM late_deliveries l WHERE l.pon = d.pon)"},
		{"a late delivery of a complete delivery", "SELECT COUNT(*) FROM late_deliveries l JOIN deliveries d ON d.pon = l.pon AND d.complete = 1"},
		{"a row of no payment", "SELECT COUNT(*) FROM (SELECT pon FROM deliveries UNION ALL SELECT pon FROM failures UNION ALL SELECT pon FROM late_deliveries) x WHERE pon NOT IN (SELECT pon FROM payments)"},
		{"a failure of an unexpected kind", "SELECT COUNT(*) FROM failures WHERE reason NOT IN ('out-of-stock', 'rejected')"},
	} {
		if got := s.query(q.sql); got != 0 {
			t.Errorf("%d times %s", got, q.what)
		}
	}
	var fails []struct{ pon, reason string }
	rows, err := pool.Query(ctx, "SELECT pon, reason FROM failures")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var f struct{ pon, reason string }
		if err := rows.Scan(&f.pon, &f.reason); err != nil {
			t.Fatal(err)
		}
		fails = append(fails, f)
	}
	rows.Close()
	failed := map[string]string{}
	for _, f := range fails {
		failed[f.pon] = f.reason
	}
	for i := range n {
		pon := killOrder(i).PartnerOrderNumber
		o, made := srv.Order(pon)
		switch reason := failed[pon]; {
		case i%10 == 0 && made:
			t.Errorf("%s: rolled back, yet ordered", pon)
		case i%10 == 0:
		case reason == "out-of-stock" && made:
			t.Errorf("%s: out of stock, yet ordered", pon)
		case reason == "rejected" && (!made || o.PendingCode < 1062):
			t.Errorf("%s: a failure as rejected, but the fake's order is %+v (made %v)", pon, o, made)
		case reason == "" && (!made || o.PendingCode != 0):
			t.Errorf("%s: delivered, but the fake's order is %+v (made %v)", pon, o, made)
		}
	}
	limited := 0
	for _, c := range srv.RateLimited() {
		limited += c
	}
	if limited != 0 && *killLimit == "redis" {
		t.Errorf("the fake answered %d 429s", limited)
	}
	counts := srv.Counts()
	t.Logf("%d payments (%d committed) settled in %v with %d kills: %d deliveries (%d late), %d failures; %d create and %d get requests, %d faulted, %d 429s",
		n, committed, elapsed.Round(time.Millisecond), kills.Load(),
		s.query("SELECT COUNT(*) FROM deliveries"), s.query("SELECT COUNT(*) FROM late_deliveries"), len(fails),
		counts[nexwaytest.RouteCreateOrder].Requests, counts[nexwaytest.RouteGetOrder].Requests,
		counts[nexwaytest.RouteCreateOrder].Faulted+counts[nexwaytest.RouteGetOrder].Faulted, limited)
}

// killOrder is the i-th payment's order: mostly a batch product, some
// real-time with late keys, some out of stock, some with two lines.
func killOrder(i int) *nexway.CreateOrderRequest {
	pon := fmt.Sprintf("K-%06d", i)
	switch {
	case i%20 == 1:
		return order(pon, oosProduct)
	case i%5 == 2:
		return order(pon, realtimeProduct)
	case i%7 == 3:
		return order(pon, batchProduct, realtimeProduct)
	}
	return order(pon, batchProduct)
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
