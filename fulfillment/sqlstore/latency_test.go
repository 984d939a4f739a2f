package sqlstore_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway/fulfillment"
)

// latencyClients is how many of Nexway's calls arrive at once.
const latencyClients = 8

// BenchmarkHandlerLatency serves calls from latencyClients concurrent
// clients, a new unit each call, and reports the percentiles of one call's
// time through the handler and its store: p50, p99 and the slowest.
// Run it with
//
//	NEXWAY_TEST_POSTGRES=postgres://… go test -run '^$' -bench HandlerLatency -benchtime 4000x -count 3 .
func BenchmarkHandlerLatency(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			h, err := fulfillment.NewHandler(issue, newStore(b, db, be.dialect), fulfillment.WithBasicAuth(benchUser, benchPassword))
			if err != nil {
				b.Fatal(err)
			}
			var (
				next  atomic.Int64
				mu    sync.Mutex
				times = make([]time.Duration, 0, b.N)
				wg    sync.WaitGroup
				run   = strconv.FormatInt(time.Now().UnixNano(), 36)
			)
			b.ResetTimer()
			for range latencyClients {
				wg.Go(func() {
					var mine []time.Duration
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						r := benchRequest("lat-" + run + "-" + strconv.FormatInt(i, 10))
						w := httptest.NewRecorder()
						start := time.Now()
						h.ServeHTTP(w, r)
						mine = append(mine, time.Since(start))
						if w.Code != http.StatusOK {
							b.Errorf("status %d (%s)", w.Code, w.Body)
							return
						}
					}
					mu.Lock()
					times = append(times, mine...)
					mu.Unlock()
				})
			}
			wg.Wait()
			b.StopTimer()
			if len(times) == 0 {
				return
			}
			slices.Sort(times)
			at := func(q float64) float64 {
				return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
			}
			b.ReportMetric(at(0.50), "p50-ms")
			b.ReportMetric(at(0.99), "p99-ms")
			b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, "max-ms")
		})
	}
}
