package nexwayriver

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
	"github.com/tidwall/gjson"
	"golang.org/x/time/rate"
)

var (
	sweepN    = flag.Int("sweep.n", 10000, "subscriptions of the renewal sweep test (200 with -short, 1,000 with -race; 100000 for the long run)")
	sweepRate = flag.Float64("sweep.rate", 1500, "the account's rate limit in the renewal sweep test, requests a second, enforced by the fake (100 with -short, 150 with -race)")
)

const (
	sweepProduct = 800001 // a subscription renewed every two days, real-time keys
	sweepPeriod  = 48 * time.Hour
	sweepCadence = 12 * time.Hour // on the fake's clock
	perOrder     = 100            // subscriptions an order holds
)

// wireLog times the requests as they leave the client for the fake, under
// its limiter: the status reads, in buckets, and the create requests, by
// partnerOrderNumber.
type wireLog struct {
	base    http.RoundTripper
	start   time.Time
	bucket  time.Duration
	mu      sync.Mutex
	reads   []int
	creates map[string]time.Time
}

func (l *wireLog) RoundTrip(r *http.Request) (*http.Response, error) {
	now := time.Now()
	switch {
	case strings.HasSuffix(r.URL.Path, "/connect/subscription"):
		i := int(now.Sub(l.start) / l.bucket)
		l.mu.Lock()
		for len(l.reads) <= i {
			l.reads = append(l.reads, 0)
		}
		l.reads[i]++
		l.mu.Unlock()
	case strings.HasSuffix(r.URL.Path, "/connect/order/new") && r.Body != nil:
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		pon := gjson.GetBytes(body, "partnerOrderNumber").String()
		l.mu.Lock()
		if _, ok := l.creates[pon]; !ok {
			l.creates[pon] = now
		}
		l.mu.Unlock()
	}
	return l.base.RoundTrip(r)
}

// checkouts pays an order every interval until stop is closed and returns
// the latencies from each payment's commit to its create request.
func checkouts(t *testing.T, pay func(pon string) error, log *wireLog, prefix string, interval time.Duration, stop <-chan struct{}) []time.Duration {
	committed := map[string]time.Time{}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			// Waited for here rather than with waitFor: this goroutine
			// must not end the test.
			deadline := time.Now().Add(30 * time.Second)
			for {
				var lat []time.Duration
				log.mu.Lock()
				for pon, at := range committed {
					if c, ok := log.creates[pon]; ok {
						lat = append(lat, c.Sub(at))
					}
				}
				log.mu.Unlock()
				if len(lat) == len(committed) {
					return lat
				}
				if time.Now().After(deadline) {
					t.Errorf("%d of %d checkouts made no create request in 30 s", len(committed)-len(lat), len(committed))
					return lat
				}
				<-tick.C
			}
		case <-tick.C:
		}
		pon := fmt.Sprintf("%s-%05d", prefix, i)
		if err := pay(pon); err != nil {
			t.Error(err)
			continue
		}
		committed[pon] = time.Now()
	}
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	return d[min(len(d)-1, len(d)*p/100)]
}

// renewalEvent is a renewal made at the fake: an order's subscriptions
// reaching their generation gen at the time at.
type renewalEvent struct {
	pon string
	gen int
	at  time.Time
}

// runSweep is the renewal sweep, time-scaled: the fake's clock runs so
// fast that a cadence of 12 h passes in the time the sweep's share of the
// account's limit reads every subscription (with a quarter to spare), and
// the subscriptions, renewed every two days and bought over the two days
// before the sweep starts, renew on every one of the next two days. It
// checks that every renewal is seen once, within one cadence of its time,
// that the reads are spread evenly, and that checkouts run meanwhile keep
// their latency.
func runSweep[TTx any](t *testing.T, s *shop[TTx]) {
	ctx := context.Background()
	n, account := *sweepN, *sweepRate
	if !flagSet("sweep.n") && !flagSet("sweep.rate") {
		switch {
		case testing.Short():
			n, account = 200, 100
		case raceEnabled: // the race detector reads ten times slower
			n, account = 1000, 150
		}
	}
	n = max(perOrder, n/perOrder*perOrder)
	const share = 0.7
	// Near expiry (from half a cadence, 6 h, before the date to the
	// renewal, 18 h on average of every 48) adds 3/8 more reads; the rest
	// of the share is slack. A renewal is then seen at most half a cadence
	// after it is made, plus the planning's delays: the bound checked is a
	// cadence.
	cadWall := time.Duration(float64(n) / (share * account * 0.6) * float64(time.Second))
	scale := float64(sweepCadence) / float64(cadWall) // fake time per wall time
	s.renewalTable()

	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 64
	log := &wireLog{base: base, bucket: cadWall / 10, creates: map[string]time.Time{}}
	srv := newFake(t,
		nexwaytest.WithClientOptions(nexway.WithRateLimit(rate.Limit(account), 10), nexway.WithTransport(log)),
		// The fake's bucket holds half a second of requests: the client's
		// limiter spaces them, but a loaded machine delivers them in clumps.
		nexwaytest.WithEnforcedRateLimit(rate.Limit(account), int(account/2)),
		nexwaytest.WithRequestLogLimit(100, 1<<20))
	if err := srv.AddProducts(nexwaytest.Product{Ref: sweepProduct, Name: "Sweep Backup", AmountDutyFree: 1, Currency: "EUR",
		Delivery: nexwaytest.DeliverySerial, Fulfillment: nexwaytest.FulfillRealTime, SubscriptionPeriod: "P2D"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPublisher(sweepProduct, nexwaytest.PublisherFunc(func(_ context.Context, req nexwaytest.LicenseRequest) (string, error) {
		return "SWEEP-" + req.FulfillmentID + "-" + req.OrderID, nil
	})); err != nil {
		t.Fatal(err)
	}

	cfg := fastConfig(s, srv.Client, s.hooks(nil))
	cfg.SweepWorkers = 8
	cfg.Subscriptions = SubscriptionFollowUp[TTx]{
		OnRenewal: s.onRenewal(srv, nil),
		Cadence:   cadWall, NearCadence: cadWall / 2, NearExpiry: sweepCadence / 2, // NearExpiry on the fake's clock
		Tick: max(cadWall/50, 100*time.Millisecond), AccountRate: account, Share: share, Clock: srv.Now,
	}
	c := start(t, cfg, fastRiver())
	pay := func(pon string) error { return s.pay(c, order(pon, realtimeProduct), false) }

	// The subscriptions, bought over two days.
	orders := n / perOrder
	var events []renewalEvent
	var bought []*nexway.Order
	for i := range orders {
		r := order(fmt.Sprintf("SUB-%04d", i), sweepProduct)
		r.Lines[0].Quantity = perOrder
		o, err := srv.Client.Orders.Create(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		bought = append(bought, o)
		events = append(events, renewalEvent{r.PartnerOrderNumber, 1, srv.Now().Add(sweepPeriod)}, renewalEvent{r.PartnerOrderNumber, 2, srv.Now().Add(2 * sweepPeriod)})
		if i < orders-1 { // the first renewals come once the sweep runs
			srv.Advance(sweepPeriod / time.Duration(orders))
		}
	}
	end := srv.Now().Add(sweepPeriod + sweepCadence)
	events = slices.DeleteFunc(events, func(e renewalEvent) bool { return e.at.After(end) })

	// Checkouts on an idle system.
	stop := make(chan struct{})
	idleDone := make(chan []time.Duration)
	go func() { idleDone <- checkouts(t, pay, log, "IDLE", 50*time.Millisecond, stop) }()
	idleFor := 10 * time.Second
	if testing.Short() {
		idleFor = 3 * time.Second
	}
	idleWindow := time.NewTimer(max(idleFor, cadWall))
	<-idleWindow.C
	close(stop)
	idle := <-idleDone

	// The sweep, with the same checkouts.
	f := cfg.withDefaults().Subscriptions
	if err := s.db.inTx(ctx, func(tx TTx) error {
		for _, o := range bought {
			if err := f.record(ctx, s.db, tx, &OrderEvent{PartnerOrderNumber: o.PartnerOrderNumber, Order: o}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	log.start, log.reads = time.Now(), nil
	log.mu.Unlock()
	stop = make(chan struct{})
	busyDone := make(chan []time.Duration)
	go func() { busyDone <- checkouts(t, pay, log, "BUSY", 50*time.Millisecond, stop) }()
	tick := time.NewTicker(5 * time.Millisecond)
	last := time.Now()
	for srv.Now().Before(end) {
		now := <-tick.C
		d := min(time.Duration(float64(now.Sub(last))*scale), end.Sub(srv.Now()))
		last = now
		srv.Advance(d)
	}
	tick.Stop()
	sweepWall := time.Since(log.start)
	close(stop)
	busy := <-busyDone

	// Every renewal made is seen once, within one cadence of its time.
	want := len(events) * perOrder
	waitFor(t, "the renewals", 2*cadWall+30*time.Second, func() bool { return s.query("SELECT COUNT(*) FROM renewals") >= want })
	if n := s.query("SELECT COUNT(*) FROM renewals"); n != want {
		t.Errorf("%d renewals seen, want %d", n, want)
	}
	if n := s.query("SELECT COUNT(*) FROM renewals WHERE delivered = 0"); n != 0 {
		t.Errorf("%d renewals seen without their keys", n)
	}
	if n := s.query("SELECT COUNT(*) FROM (SELECT pon, sub, gen FROM renewals GROUP BY pon, sub, gen HAVING COUNT(*) > 1) AS d"); n != 0 {
		t.Errorf("%d renewals seen more than once", n)
	}
	var worst time.Duration
	for _, e := range events {
		if got := s.query("SELECT COUNT(*) FROM renewals WHERE pon = ? AND gen = ?", e.pon, e.gen); got != perOrder {
			t.Errorf("%s generation %d: %d renewals seen, want %d", e.pon, e.gen, got, perOrder)
			continue
		}
		late := time.UnixMilli(int64(s.query("SELECT MAX(seen_ms) FROM renewals WHERE pon = ? AND gen = ?", e.pon, e.gen))).Sub(e.at)
		worst = max(worst, late)
	}

	// The reads, a tenth of a cadence at a time, over the cadences that
	// ran whole.
	log.mu.Lock()
	reads := slices.Clone(log.reads)
	log.mu.Unlock()
	// The first tenth holds the sweep's start, the last may be cut.
	reads = reads[1:min(len(reads), int(sweepWall/log.bucket))]
	var sum, lo, hi float64 = 0, math.Inf(1), 0
	for _, r := range reads {
		sum += float64(r)
		lo, hi = min(lo, float64(r)), max(hi, float64(r))
	}
	mean := sum / float64(len(reads))
	var dev float64
	for _, r := range reads {
		dev += (float64(r) - mean) * (float64(r) - mean)
	}
	cv := math.Sqrt(dev/float64(len(reads))) / mean
	idle99, busy99 := percentile(idle, 99), percentile(busy, 99)
	refused := 0
	for _, n := range srv.RateLimited() {
		refused += n
	}
	t.Logf("%d subscriptions, %d renewals seen, the latest %v after it was made (cadence %v, fake clock x%.0f, cadence %v of wall time, sweep %v)",
		n, want, worst.Round(time.Minute), sweepCadence, scale, cadWall.Round(time.Millisecond), sweepWall.Round(time.Second))
	t.Logf("reads per tenth of a cadence: mean %.0f, min %.0f, max %.0f, coefficient of variation %.3f; %.0f reads/s for %d subscriptions; 429s at the fake: %d",
		mean, lo, hi, cv, sum/sweepWall.Seconds(), n, refused)
	t.Logf("checkouts, commit to create request: idle p50 %v p99 %v (%d), during the sweep p50 %v p99 %v (%d)",
		percentile(idle, 50), idle99, len(idle), percentile(busy, 50), busy99, len(busy))
	// The timing is checked at full speed: a short run's cadence of a few
	// seconds is of the order of a loaded machine's stalls, and the race
	// detector makes the sweep itself ten times slower; those runs check
	// that each renewal is seen once, and log the timing.
	timing := t.Errorf
	if testing.Short() || raceEnabled {
		timing = t.Logf
	}
	// The subscriptions are recorded as the sweep starts, and the first
	// renewals come at once: each is first read at its place in the first
	// cadence, which the planner queues within a tick of it (a tick is a
	// fiftieth of a cadence). The reads near expiry see the later ones
	// within half a cadence.
	if bound := sweepCadence + 2*sweepCadence/50; worst > bound {
		timing("a renewal was seen %v after it was made, more than a cadence and two ticks (%v)", worst, bound)
	}
	if cv > 0.25 {
		timing("the reads are not spread evenly: per tenth of a cadence %v", reads)
	}
	if busy99 > 2*idle99 {
		timing("checkouts' p99 went from %v idle to %v during the sweep, more than twice", idle99, busy99)
	}
}

func TestRenewalSweepSQLite(t *testing.T) {
	s, _ := sqliteShop(t)
	runSweep(t, s)
}

func TestRenewalSweepPgx(t *testing.T) {
	s, _ := pgxShop(t)
	runSweep(t, s)
}

// flagSet reports whether the flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
