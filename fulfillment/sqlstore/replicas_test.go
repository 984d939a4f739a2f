package sqlstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexway-go/nexway/fulfillment"
)

// Two replicas, each with its own connection pool on one database, get
// every unit's retries at once: each unit is issued once, and every retry,
// on either replica, gets that one key.
func TestReplicasIssueOnce(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			db := be.open(t)
			table := newTable(t, db, be.dialect)
			stores := []fulfillment.Store{storeOn(t, db, be.dialect, table), storeOn(t, db, be.dialect, table)}
			if be.name == "postgres" {
				// A pool of its own stands for the other replica's process.
				stores[1] = storeOn(t, be.open(t), be.dialect, table)
			}
			var calls atomic.Int64
			counting := fulfillment.FulfillerFunc(func(_ context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
				n := calls.Add(1)
				return &fulfillment.Result{ActivationCode: fmt.Sprintf("KEY-%s-%d", req.FulfillmentID, n)}, nil
			})
			var replicas []http.Handler
			for _, s := range stores {
				// A busy wait long enough for a loaded machine: every retry
				// must get the key, none a 503.
				h, err := fulfillment.NewHandler(counting, s, fulfillment.WithBasicAuth("nexway", "pw"), fulfillment.WithBusyWait(time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				replicas = append(replicas, h)
			}

			const units, retries = 10, 6
			answers := make([][]string, units)
			var wg sync.WaitGroup
			for u := range units {
				answers[u] = make([]string, retries)
				for r := range retries {
					wg.Go(func() {
						body := fmt.Sprintf(`{"fulfillmentId":"unit-%d","checkout":{"orderId":"O-%d"}}`, u, u)
						req := httptest.NewRequest(http.MethodPost, "/licenses/new", strings.NewReader(body))
						req.SetBasicAuth("nexway", "pw")
						w := httptest.NewRecorder()
						replicas[r%2].ServeHTTP(w, req)
						if w.Code != http.StatusOK {
							t.Errorf("unit %d retry %d: status %d (%s)", u, r, w.Code, w.Body)
						}
						answers[u][r] = w.Body.String()
					})
				}
			}
			wg.Wait()
			if n := calls.Load(); n != units {
				t.Fatalf("Fulfiller called %d times for %d units", n, units)
			}
			for u, got := range answers {
				for _, a := range got[1:] {
					if a != got[0] || !strings.Contains(a, fmt.Sprintf("KEY-unit-%d-", u)) {
						t.Fatalf("unit %d answered %q and %q", u, got[0], a)
					}
				}
			}
		})
	}
}
