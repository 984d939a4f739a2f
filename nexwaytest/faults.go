package nexwaytest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is a way a request can go wrong, as seen from the client.
type FaultKind int

// Fault kinds.
const (
	FaultStatus       FaultKind = iota // answer Fault.Status (default 503) with an HTML page; not processed
	FaultRateLimit                     // answer 429 with Retry-After; not processed
	FaultDrop                          // close the connection with no response; not processed
	FaultLoseResponse                  // process the request, then close the connection with no response
	FaultLatency                       // wait Fault.Latency (real time), then process normally
)

var faultNames = []string{"status", "rate-limit", "drop", "lose-response", "latency"}

// String returns the kind's name, as recorded in LoggedRequest.Fault.
func (k FaultKind) String() string { return enumName(faultNames, int(k)) }

// Fault describes one injected failure.
type Fault struct {
	Kind       FaultKind
	Status     int           // FaultStatus: HTTP status 200-999; other values mean 503
	RetryAfter time.Duration // FaultRateLimit: Retry-After, sent in whole seconds rounded up; default 1 s
	Latency    time.Duration // FaultLatency: how long to wait before processing
	Times      int           // InjectFault: how many requests it applies to; 0 means 1
}

type queuedFault struct {
	f    Fault
	left int
}

type faultRate struct {
	rate   float64
	faults []Fault
}

// InjectFault queues f for the next requests on route r (RouteAny: on any
// /connect route; IAM routes are faulted only by name, so that token
// fetches keep working). Faults queued on a route are consumed in order,
// and a route's own queue is used before the RouteAny queue.
func (s *Server) InjectFault(r Route, f Fault) {
	n := f.Times
	if n <= 0 {
		n = 1
	}
	s.mu.Lock()
	s.faultQueue[r] = append(s.faultQueue[r], &queuedFault{f: f, left: n})
	s.mu.Unlock()
}

// SetFaultRate makes each request on route r fail with probability rate, with
// one of faults chosen uniformly (default: a 503), both drawn from a source
// seeded by WithSeed, so the same seed and request sequence give the same
// faults. RouteAny covers every /connect route but never IAM, so token
// fetches keep working. A route's own rate wins over RouteAny's; rate 0
// turns it off. Queued faults (InjectFault) are used first.
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

// ClearFaults removes every queued fault and fault rate.
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
