package nexwaytest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// scripted is a publisher's endpoint in memory, an http.RoundTripper for
// HTTPPublisher.Client: each call gets the next step of the script (the
// last one repeats) and is recorded with the time it came.
type scripted struct {
	mu    sync.Mutex
	steps []step
	calls []scriptedCall
}

// step is one answer: a status and body, or a cut connection.
type step struct {
	status     int
	body       string
	retryAfter string
	cut        bool // no answer: a transport error
}

type scriptedCall struct {
	at            time.Time
	fulfillmentID string
	header        http.Header
}

func (p *scripted) RoundTrip(r *http.Request) (*http.Response, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var b struct {
		FulfillmentID string `json:"fulfillmentId"`
	}
	_ = json.Unmarshal(raw, &b)
	p.mu.Lock()
	st := p.steps[min(len(p.calls), len(p.steps)-1)]
	p.calls = append(p.calls, scriptedCall{at: time.Now(), fulfillmentID: b.FulfillmentID, header: r.Header.Clone()})
	p.mu.Unlock()
	if st.cut {
		return nil, errors.New("connection reset by peer")
	}
	w := httptest.NewRecorder()
	if st.retryAfter != "" {
		w.Header().Set("Retry-After", st.retryAfter)
	}
	w.WriteHeader(st.status)
	_, _ = io.WriteString(w, st.body)
	return w.Result(), nil
}

// offsets returns when each call came, from start.
func (p *scripted) offsets(start time.Time) []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []time.Duration
	for _, c := range p.calls {
		out = append(out, c.at.Sub(start))
	}
	return out
}

func (p *scripted) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// publishTo makes 733552 real-time through an HTTPPublisher on p.
func publishTo(t *testing.T, s *Server, p *scripted, hp HTTPPublisher) {
	t.Helper()
	hp.BaseURL = "http://publisher.test"
	hp.Client = &http.Client{Transport: p}
	if err := s.SetPublisher(733552, hp); err != nil {
		t.Fatal(err)
	}
}

// itemState returns the first item's code and serials of an order read
// with get-order.
func itemState(t *testing.T, s *Server, pon string) (int, []string) {
	t.Helper()
	m := checkEnvelope(t, serveDirect(s, "GET", "/connect/order/"+pon, nil))
	return num(t, arr(t, arr(t, m, "orderLines")[0], "lineItems")[0], "responseCode"), serials(t, m)[0]
}

// A transient failure is retried in the background with the same
// fulfillmentId, on HTTPPublisher's schedule and the answer's Retry-After;
// reads meanwhile show the unit undelivered and call nobody.
func TestHTTPPublisherRetriesInBackground(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := seededServer(t, 1)
		defer s.Close()
		p := &scripted{steps: []step{
			{status: 503, body: "down"},
			{cut: true},
			{status: 502, retryAfter: "1"},
			{status: 200, body: `{"activationCode":"LATE-KEY"}`},
		}}
		publishTo(t, s, p, HTTPPublisher{Backoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second})
		start := time.Now()
		m := checkEnvelope(t, serveDirect(s, "POST", "/connect/order/new", mustJSON(t, sampleOrder("BG", line(733552, 1)))))
		wantCode(t, m, 0)
		if keys := serials(t, m)[0]; len(keys) != 0 {
			t.Fatalf("created with keys %v", keys)
		}
		time.Sleep(50 * time.Millisecond)
		if code, keys := itemState(t, s, "BG"); code == 0 || len(keys) != 0 {
			t.Fatalf("while retrying: item code %d, serials %v", code, keys)
		}
		if n := p.count(); n != 1 {
			t.Fatalf("%d calls after a read, want 1: reads must not call while retries run", n)
		}
		time.Sleep(time.Hour)
		if code, keys := itemState(t, s, "BG"); code != 0 || !slices.Equal(keys, []string{"LATE-KEY"}) {
			t.Fatalf("after the retries: item code %d, serials %v", code, keys)
		}
		// 100 ms, twice that, then Retry-After's second over the 400 ms due.
		want := []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond, 1300 * time.Millisecond}
		if got := p.offsets(start); !slices.Equal(got, want) {
			t.Errorf("calls at %v, want %v", got, want)
		}
		for _, c := range p.calls {
			if c.fulfillmentID == "" || c.fulfillmentID != p.calls[0].fulfillmentID {
				t.Fatalf("fulfillmentId %q then %q: must stay the same", p.calls[0].fulfillmentID, c.fulfillmentID)
			}
		}
	})
}

// Retries are bounded and capped; once spent, the next read asks again.
func TestHTTPPublisherRetriesBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := seededServer(t, 1)
		defer s.Close()
		p := &scripted{steps: []step{{status: 500}}}
		publishTo(t, s, p, HTTPPublisher{Retries: 3, Backoff: time.Second, MaxBackoff: 3 * time.Second})
		start := time.Now()
		serveDirect(s, "POST", "/connect/order/new", mustJSON(t, sampleOrder("BOUND", line(733552, 1))))
		time.Sleep(time.Hour)
		want := []time.Duration{0, time.Second, 3 * time.Second, 6 * time.Second} // 1 s, 2 s, then 3 s, not 4
		if got := p.offsets(start); !slices.Equal(got, want) {
			t.Fatalf("calls at %v, want %v", got, want)
		}
		if code, _ := itemState(t, s, "BOUND"); code == 0 {
			t.Fatal("delivered without a key")
		}
		if n := p.count(); n != 5 {
			t.Fatalf("%d calls after a read once the retries were spent, want 5", n)
		}
	})
}

// Failures a retry would meet again (a refused credential, a business
// error) are not retried in the background; a read still asks again.
func TestHTTPPublisherPermanentFailureNotRetried(t *testing.T) {
	t.Parallel()
	for name, st := range map[string]step{
		"unauthorized": {status: 401},
		"errorCode":    {status: 200, body: `{"errorCode":"license_unavailable"}`},
		"no key":       {status: 200, body: `{}`},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := seededServer(t, 1)
				defer s.Close()
				p := &scripted{steps: []step{st, {status: 200, body: `{"activationCode":"K"}`}}}
				publishTo(t, s, p, HTTPPublisher{})
				serveDirect(s, "POST", "/connect/order/new", mustJSON(t, sampleOrder("PERM", line(733552, 1))))
				time.Sleep(time.Hour)
				if n := p.count(); n != 1 {
					t.Fatalf("%d calls, want 1", n)
				}
				if code, keys := itemState(t, s, "PERM"); code != 0 || len(keys) != 1 {
					t.Fatalf("after a read: code %d, serials %v", code, keys)
				}
			})
		})
	}
}

// Close stops the retries, and waits for them.
func TestHTTPPublisherRetriesStopOnClose(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := seededServer(t, 1)
		p := &scripted{steps: []step{{status: 503}, {status: 200, body: `{"activationCode":"K"}`}}}
		publishTo(t, s, p, HTTPPublisher{Backoff: time.Minute})
		serveDirect(s, "POST", "/connect/order/new", mustJSON(t, sampleOrder("CLOSE", line(733552, 1))))
		s.Close() // returns with the retry loop ended: synctest.Test would report it otherwise
		time.Sleep(time.Hour)
		if n := p.count(); n != 1 {
			t.Fatalf("%d calls after Close, want 1", n)
		}
		if o, _ := s.Order("CLOSE"); len(o.Lines[0].Keys) != 0 {
			t.Fatalf("keys %v after Close", o.Lines[0].Keys)
		}
	})
}

// Reset drops the orders, and with them their retries.
func TestHTTPPublisherRetriesEndWithReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := seededServer(t, 1)
		defer s.Close()
		p := &scripted{steps: []step{{status: 503}}}
		publishTo(t, s, p, HTTPPublisher{Backoff: time.Second})
		serveDirect(s, "POST", "/connect/order/new", mustJSON(t, sampleOrder("RESET", line(733552, 1))))
		if err := s.Reset(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		if n := p.count(); n != 1 {
			t.Fatalf("%d calls after Reset, want 1", n)
		}
	})
}
