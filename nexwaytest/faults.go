package nexwaytest

import (
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"slices"
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
	// FaultStatusAfterProcessing processes the request, then answers
	// Fault.Status with an HTML page instead of the answer, as a gateway
	// that gave up waiting would: 500 unless Status is 500 to 999 (520,
	// 524 and 599 are what some gateways send).
	FaultStatusAfterProcessing
	// FaultTruncate processes the request, then sends the head of its
	// answer and half of its body, and closes the connection. Where the
	// connection cannot be taken over the half body is all that is sent.
	FaultTruncate
	// FaultStall processes the request, then holds the answer until the
	// client goes away (its context ends, or its attempt times out), Close
	// is called, or Fault.Latency in real time passes when positive; the
	// connection is then closed without an answer.
	FaultStall
	// FaultCode answers HTTP 200 with responseCode Fault.Code (1000,
	// internal error, when 0) without processing the request: a definite
	// refusal.
	FaultCode
)

var faultNames = []string{"status", "rate-limit", "drop", "lose-response", "latency",
	"status-after-processing", "truncate", "stall", "code"}

// String returns the kind's name ("status", "rate-limit", "drop",
// "lose-response", "latency", "status-after-processing", "truncate",
// "stall", "code"), as recorded in LoggedRequest.Fault, or its number when
// it has none.
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
	// Code is the responseCode of a FaultCode; 0 means 1000.
	Code int
	// Times is how many requests an InjectFault fault hits, one after the
	// other; ≤ 0 means 1. SetFaultRate ignores it.
	Times int
	// Then, when set, is the fault that the client's resend of the same
	// request meets: the next request on the same route with the same path
	// and body, whichever fault would otherwise come. With
	// FaultLoseResponse and a FaultCode, it makes a processed attempt
	// followed by a refusal of its resend. Then may have a Then of its own.
	Then *Fault
}

// maxFollowUps bounds the faults waiting for a resend (Fault.Then): a
// client that never resends must not make the fake grow.
const maxFollowUps = 10000

// resendKey identifies a request and its resends.
func resendKey(route Route, path string, body []byte) uint64 {
	h := fnv.New64a()
	h.Write([]byte(route))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum64()
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
	s.thenFaults = s.thenFaults || f.Then != nil
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
	s.thenFaults = s.thenFaults || slices.ContainsFunc(fs, func(f Fault) bool { return f.Then != nil })
}

// ClearFaults removes every queued fault, every fault rate and every fault
// waiting for a resend (Fault.Then); requests already held by a latency or
// stall fault are not released.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faultQueue = map[Route][]*queuedFault{}
	s.faultRates = map[Route]faultRate{}
	clear(s.followUps)
	s.thenFaults = false
	s.mu.Unlock()
}

// nextFault returns the fault to apply to a request on route, if any: the
// one a fault's Then left for this resend first. It queues f.Then for the
// request's resend.
func (s *Server) nextFault(route Route, path string, body []byte) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if route == RouteAny {
		return Fault{}, false // no such route: a plain 404
	}
	var key uint64
	if len(s.followUps) > 0 || s.thenFaults {
		key = resendKey(route, path, body)
	}
	f, hit := s.pickFault(route, key)
	if hit && f.Then != nil {
		if len(s.followUps) >= maxFollowUps {
			clear(s.followUps)
		}
		s.followUps[key] = *f.Then
	}
	return f, hit
}

// pickFault chooses the fault for a request. s.mu is held.
func (s *Server) pickFault(route Route, key uint64) (Fault, bool) {
	if f, ok := s.followUps[key]; ok {
		delete(s.followUps, key)
		return f, true
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
func (s *Server) applyFault(w http.ResponseWriter, sw *statusWriter, r *http.Request, route Route, f Fault, entry *LoggedRequest, d Dialect) bool {
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
		writeTooManyRequests(sw, f.RetryAfter)
		s.setStatus(entry, sw.status)
		return true
	case FaultDrop:
		if !hijackClose(w) {
			writeHTML(sw, http.StatusBadGateway)
		}
		s.setStatus(entry, sw.status)
		return true
	case FaultLoseResponse:
		s.processHeld(r, route, entry, false)
		if !hijackClose(w) {
			// No connection to cut (HTTP/2 or a recorder): a gateway error
			// keeps the outcome ambiguous for the client, as intended.
			writeHTML(sw, http.StatusBadGateway)
		}
		return true
	case FaultStatusAfterProcessing:
		s.processHeld(r, route, entry, false)
		status := f.Status
		if status < 500 || status > 999 {
			status = http.StatusInternalServerError
		}
		writeHTML(sw, status)
		return true
	case FaultTruncate:
		held := s.processHeld(r, route, entry, true)
		for k, v := range held.h {
			w.Header()[k] = v
		}
		body := d.compress(w.Header(), d.speak(route, held.body.Bytes()))
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(held.status)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		hijackClose(w)
		return true
	case FaultStall:
		s.processHeld(r, route, entry, false)
		var timeout <-chan time.Time
		if f.Latency > 0 {
			t := time.NewTimer(f.Latency)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-r.Context().Done():
		case <-s.closed:
		case <-timeout:
		}
		if !hijackClose(w) {
			writeHTML(sw, http.StatusGatewayTimeout)
		}
		return true
	case FaultCode:
		code := f.Code
		if code == 0 {
			code = 1000
		}
		writeEnvelope(sw, code, "injected fault")
		s.setStatus(entry, sw.status)
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

// processHeld runs the request, keeping its answer from the client, and
// logs the status it would have had. The answer's body is kept when
// keepBody is set.
func (s *Server) processHeld(r *http.Request, route Route, entry *LoggedRequest, keepBody bool) *discardWriter {
	held := &discardWriter{h: http.Header{}, keep: keepBody}
	s.serve(held, r, route)
	s.setStatus(entry, held.status)
	return held
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
