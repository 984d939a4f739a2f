package nexwaytest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is a way a request can go wrong, as seen from the client.
// Whether the fake processed the request decides what a correct client
// may do next: retry freely, or find out whether the first attempt landed.
type FaultKind int

// Fault kinds.
const (
	// FaultStatus answers Fault.Status with a small HTML page, as a proxy
	// in front of an API would; the request is not processed.
	FaultStatus FaultKind = iota
	// FaultRateLimit answers 429 Too Many Requests with a Retry-After
	// header of Fault.RetryAfter; the request is not processed.
	FaultRateLimit
	// FaultDrop closes the connection without an answer; the request is not
	// processed. Where the connection cannot be taken over (HTTP/2, or a
	// call of ServeHTTP with a recorder) the answer is 502 instead.
	FaultDrop
	// FaultLoseResponse processes the request, then closes the connection
	// without an answer: the client cannot know that its order was made.
	// Where the connection cannot be taken over the answer is 502.
	FaultLoseResponse
	// FaultLatency waits Fault.Latency in real time, not on the fake's
	// clock, then processes the request normally, even if the client gave
	// up meanwhile. Close cuts the wait short with a 503, unprocessed.
	FaultLatency
)

var faultNames = []string{"status", "rate-limit", "drop", "lose-response", "latency"}

// String returns the kind's name ("status", "rate-limit", "drop",
// "lose-response", "latency"), as recorded in LoggedRequest.Fault, or its
// number when it has none.
func (k FaultKind) String() string { return enumName(faultNames, int(k)) }

// Fault describes one failure to inject with InjectFault or SetFaultRate.
// Only the fields of its Kind are read.
type Fault struct {
	// Kind is how the request fails; the zero value is FaultStatus.
	Kind FaultKind
	// Status is the HTTP status of a FaultStatus, 200 to 999; any other
	// value, 0 included, means 503 Service Unavailable.
	Status int
	// RetryAfter is the Retry-After of a FaultRateLimit, sent in whole
	// seconds rounded up; 1 s when ≤ 0.
	RetryAfter time.Duration
	// Latency is how long a FaultLatency holds the request before
	// processing it; ≤ 0 processes it at once.
	Latency time.Duration
	// Times is how many requests an InjectFault fault hits, one after the
	// other; ≤ 0 means 1. SetFaultRate ignores it.
	Times int
}

type queuedFault struct {
	f    Fault
	left int
}

type faultRate struct {
	rate   float64
	faults []Fault
}

// InjectFault queues f for the next requests on route r: f.Times requests
// in a row (one by default). RouteAny queues it for any /connect route; the
// IAM routes are faulted only by name (RouteToken, ...), so that token
// fetches keep working. Faults queued on a route are used in order, a
// route's own queue before the RouteAny queue, and before any fault rate
// (SetFaultRate). A request to no known route never uses one. Each hit is
// recorded in Requests (LoggedRequest.Fault) and Counts.
func (s *Server) InjectFault(r Route, f Fault) {
	n := f.Times
	if n <= 0 {
		n = 1
	}
	s.mu.Lock()
	s.faultQueue[r] = append(s.faultQueue[r], &queuedFault{f: f, left: n})
	s.mu.Unlock()
}

// SetFaultRate makes each request on route r fail with probability rate
// (clamped to 0..1; NaN means 0), with one of faults chosen uniformly (by
// default a 503), both drawn from a source seeded by WithSeed: the same
// seed and request sequence give the same faults. RouteAny covers every
// /connect route but never IAM, so token fetches keep working. A route's
// own rate wins over RouteAny's; rate 0 turns it off. Queued faults
// (InjectFault) are used first.
func (s *Server) SetFaultRate(r Route, rate float64, faults ...Fault) {
	if math.IsNaN(rate) || rate < 0 {
		rate = 0
	}
	rate = min(rate, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if rate == 0 {
		delete(s.faultRates, r)
		return
	}
	fs := append([]Fault(nil), faults...)
	if len(fs) == 0 {
		fs = []Fault{{Kind: FaultStatus}}
	}
	s.faultRates[r] = faultRate{rate: rate, faults: fs}
}

// ClearFaults removes every queued fault and every fault rate; requests
// already held by a latency fault are not released.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faultQueue = map[Route][]*queuedFault{}
	s.faultRates = map[Route]faultRate{}
	s.mu.Unlock()
}

// nextFault returns the fault to apply to a request on route, if any.
func (s *Server) nextFault(route Route) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if route == RouteAny {
		return Fault{}, false // no such route: a plain 404
	}
	keys := [2]Route{route, RouteAny}
	n := 1
	if isConnect(route) {
		n = 2
	}
	for _, k := range keys[:n] {
		q := s.faultQueue[k]
		if len(q) == 0 {
			continue
		}
		f := q[0].f
		q[0].left--
		if q[0].left <= 0 {
			q = q[1:]
		}
		if len(q) == 0 {
			delete(s.faultQueue, k)
		} else {
			s.faultQueue[k] = q
		}
		return f, true
	}
	fr, found := s.faultRates[route]
	if !found && isConnect(route) {
		fr, found = s.faultRates[RouteAny]
	}
	if !found {
		return Fault{}, false
	}
	if s.faultRng.Float64() >= fr.rate {
		return Fault{}, false
	}
	return fr.faults[s.faultRng.IntN(len(fr.faults))], true
}

// applyFault carries out f. It reports whether the request is finished;
// false means "now process it normally" (after a latency).
func (s *Server) applyFault(w http.ResponseWriter, sw *statusWriter, r *http.Request, route Route, f Fault, entry *LoggedRequest) bool {
	switch f.Kind {
	case FaultLatency:
		if f.Latency <= 0 {
			return false
		}
		// Not cancelled by the client going away: like a real server, a
		// request whose client timed out is still processed.
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
			return false
		case <-s.closed:
			writeHTML(sw, http.StatusServiceUnavailable)
			s.setStatus(entry, sw.status)
			return true
		}
	case FaultRateLimit:
		ra := f.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		secs := int64((ra + time.Second - 1) / time.Second)
		sw.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeHTML(sw, http.StatusTooManyRequests)
		s.setStatus(entry, sw.status)
		return true
	case FaultDrop:
		if !hijackClose(w) {
			writeHTML(sw, http.StatusBadGateway)
		}
		s.setStatus(entry, sw.status)
		return true
	case FaultLoseResponse:
		dw := &discardWriter{h: http.Header{}}
		s.serve(dw, r, route)
		s.setStatus(entry, dw.status)
		if !hijackClose(w) {
			// No connection to cut (HTTP/2 or a recorder): a gateway error
			// keeps the outcome ambiguous for the client, as intended.
			writeHTML(sw, http.StatusBadGateway)
		}
		return true
	default:
		// 0 and anything that is not a final status (a 1xx would go out as
		// an informational header, then a 200) mean 503.
		status := f.Status
		if status < 200 || status > 999 {
			status = http.StatusServiceUnavailable
		}
		writeHTML(sw, status)
		s.setStatus(entry, sw.status)
		return true
	}
}

// hijackClose closes the client connection without writing anything.
func hijackClose(w http.ResponseWriter) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// writeHTML answers with a small HTML error page, as a proxy or load
// balancer in front of an API would: clients must cope with non-JSON errors.
func writeHTML(w http.ResponseWriter, status int) {
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
		status, text, status, text)
}
