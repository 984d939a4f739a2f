package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nexway-go/nexway/fulfillment"
	"github.com/nexway-go/nexway/fulfillment/sqlstore"
)

// The benchmark compares the fulfillment.Handler on the SQL store with
// what a publisher would write by hand for the same job: check Basic
// credentials in constant time, decode the default body, claim the unit
// with an insert-if-absent, issue the key, record it, answer it (or replay
// the recorded answer). Both run on the same database, each on a table of
// its own, and are called in turns in one loop, a new unit every call, so
// that both see the same drift of a shared machine. Run it with
//
//	NEXWAY_TEST_POSTGRES=postgres://… go test -run '^$' -bench Handler -benchmem -count 10 .

const benchUser, benchPassword = "nexway", "bench-password"

// handWritten is the publisher's own handler, without the library.
type handWritten struct {
	db                     *sql.DB
	insert, record, replay string
	userSum, passSum       [32]byte
	maxBody                int64
}

// handBody is the part of the default template the publisher reads.
type handBody struct {
	FulfillmentID string `json:"fulfillmentId"`
	Checkout      struct {
		OrderID    string `json:"orderId"`
		LineItemID string `json:"lineItemId"`
	} `json:"checkout"`
	User struct {
		Email   string `json:"email"`
		Country string `json:"country"`
	} `json:"user"`
	Product struct {
		ID                 string `json:"id"`
		PublisherProductID string `json:"publisherProductId"`
	} `json:"product"`
}

func newHandWritten(b *testing.B, db *sql.DB, d sqlstore.Dialect) *handWritten {
	table := "hand_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	blob, p := "BYTEA", func(i int) string { return "$" + strconv.Itoa(i) }
	if d == sqlstore.SQLite {
		blob, p = "BLOB", func(i int) string { return "?" + strconv.Itoa(i) }
	}
	if _, err := db.Exec(`CREATE TABLE ` + table + ` (fulfillment_id TEXT NOT NULL, operation TEXT NOT NULL, answer ` + blob +
		`, PRIMARY KEY (fulfillment_id, operation))`); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Exec("DROP TABLE " + table) })
	return &handWritten{
		db:      db,
		insert:  `INSERT INTO ` + table + ` (fulfillment_id, operation) VALUES (` + p(1) + `, ` + p(2) + `) ON CONFLICT DO NOTHING`,
		record:  `UPDATE ` + table + ` SET answer = ` + p(1) + ` WHERE fulfillment_id = ` + p(2) + ` AND operation = ` + p(3),
		replay:  `SELECT answer FROM ` + table + ` WHERE fulfillment_id = ` + p(1) + ` AND operation = ` + p(2),
		userSum: sha256.Sum256([]byte(benchUser)), passSum: sha256.Sum256([]byte(benchPassword)),
		maxBody: 1 << 20,
	}
}

func (h *handWritten) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/licenses/new" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	user, pass, _ := r.BasicAuth()
	u, p := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
	if subtle.ConstantTimeCompare(u[:], h.userSum[:])&subtle.ConstantTimeCompare(p[:], h.passSum[:]) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	var body handBody
	if err := json.Unmarshal(raw, &body); err != nil || body.FulfillmentID == "" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	res, err := h.db.ExecContext(ctx, h.insert, body.FulfillmentID, "create")
	if err != nil {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	var answer []byte
	if n, _ := res.RowsAffected(); n == 1 {
		answer, _ = json.Marshal(map[string]string{"activationCode": "KEY-" + body.FulfillmentID})
		if _, err := h.db.ExecContext(ctx, h.record, answer, body.FulfillmentID, "create"); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
	} else if err := h.db.QueryRowContext(ctx, h.replay, body.FulfillmentID, "create").Scan(&answer); err != nil || answer == nil {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(answer)
}

// issue is the Fulfiller of the benchmark: the same key as handWritten's.
var issue = fulfillment.FulfillerFunc(func(_ context.Context, req *fulfillment.Request) (*fulfillment.Result, error) {
	return &fulfillment.Result{ActivationCode: "KEY-" + req.FulfillmentID}, nil
})

// benchRequest is a call from Nexway for a new unit.
func benchRequest(id string) *http.Request {
	body := `{"fulfillmentId":"` + id + `","checkout":{"orderId":"ORD-1001","lineItemId":"0b9a6f0e-1111-4c2d-8e3f-222233334444",` +
		`"price":{"grossPrice":29.99,"currency":"EUR"}},"user":{"id":"u-77","email":"jane.doe@example.com","country":"FR",` +
		`"locale":"fr-FR","firstName":"Jane","lastName":"Doe"},"product":{"id":"3f0c7a9e-aaaa-4bbb-8ccc-dddddddddddd",` +
		`"name":"ACME Pro","publisherProductId":"ACME-PRO","price":{"grossPrice":29.99,"currency":"EUR"}}}`
	r := httptest.NewRequest(http.MethodPost, "/licenses/new", strings.NewReader(body))
	r.SetBasicAuth(benchUser, benchPassword)
	r.Header.Set("Content-Type", "application/json")
	return r
}

// BenchmarkHandler times the library's handler and the hand-written one
// in turns, a new unit each call, and reports both and their ratio.
func BenchmarkHandler(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			lib, err := fulfillment.NewHandler(issue, newStore(b, db, be.dialect), fulfillment.WithBasicAuth(benchUser, benchPassword))
			if err != nil {
				b.Fatal(err)
			}
			handlers := [2]http.Handler{lib, newHandWritten(b, db, be.dialect)}
			var spent [2]time.Duration
			calls := 0
			for b.Loop() {
				for j := range handlers {
					i := (calls + j) % 2 // the first to go alternates
					r := benchRequest("u-" + strconv.Itoa(calls))
					w := httptest.NewRecorder()
					start := time.Now()
					handlers[i].ServeHTTP(w, r)
					spent[i] += time.Since(start)
					if w.Code != http.StatusOK {
						b.Fatalf("handler %d: status %d (%s)", i, w.Code, w.Body)
					}
				}
				calls++
			}
			perCall := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(calls) }
			b.ReportMetric(0, "ns/op") // the sum of the two says nothing
			b.ReportMetric(perCall(spent[0]), "handler-ns/op")
			b.ReportMetric(perCall(spent[1]), "hand-ns/op")
			b.ReportMetric(perCall(spent[0])/perCall(spent[1]), "handler/hand")
		})
	}
}
