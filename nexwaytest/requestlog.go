package nexwaytest

import (
	"maps"
	"net/http"
	"slices"
	"time"
)

// Default bounds of the request log (WithRequestLogLimit). Counts keeps
// the totals of everything ever received.
const (
	defaultLogRequests       = 100000
	defaultLogBytes    int64 = 64 << 20
)

// requestLog is the latest requests, oldest first, and the size of their
// headers and bodies (entrySize). Guarded by Server.mu.
type requestLog struct {
	q     queue[*LoggedRequest]
	bytes int64
}

// LoggedRequest is one request the fake received, for tests to inspect
// (Requests). It holds headers as received, credentials included: it is
// test data, not a log line.
type LoggedRequest struct {
	// Time is when the request arrived, on the fake's clock.
	Time time.Time
	// WallTime is when the request arrived on the wall clock, the clock
	// the rate limit (SetRateLimit) counts on.
	WallTime time.Time
	// Method is the HTTP method.
	Method string
	// Path is the URL path, unescaped.
	Path string
	// Route is the operation the request went to; "" when no route matched.
	Route Route
	// Header holds the request's headers, Authorization and secret included.
	Header http.Header
	// Body is the request body, of which the fake reads at most 1 MiB and
	// one byte (a longer body is cut, and refused as malformed).
	Body []byte
	// Status is the HTTP status answered, or the one that would have been
	// for a FaultLoseResponse; 0 for a FaultDrop, or while the request is
	// still being served.
	Status int
	// Fault is the name of the injected fault that hit the request
	// (FaultKind.String), "" for none.
	Fault string
	// RateLimited reports whether the rate limit (SetRateLimit) refused
	// the request, with a 429 and without processing it.
	RateLimited bool
}

// WithRequestLogLimit bounds the request log that Requests returns: it
// keeps the latest requests, at most requests of them and at most bytes of
// their headers (names and values) and bodies together, dropping the
// oldest first. The defaults are 100,000 requests and 64 MiB; a value ≤ 0
// keeps its default. The latest request is kept even when it alone is
// larger than bytes. What Go needs to hold an entry comes on top of its
// size: a few hundred bytes, more with many headers. Counts, which keeps
// totals only, counts every request however many.
func WithRequestLogLimit(requests int, bytes int64) Option {
	return func(c *config) error { c.logRequests, c.logBytes = requests, bytes; return nil }
}

// logLimits returns the bounds of the request log.
func (c *config) logLimits() (requests int, bytes int64) {
	requests, bytes = c.logRequests, c.logBytes
	if requests <= 0 {
		requests = defaultLogRequests
	}
	if bytes <= 0 {
		bytes = defaultLogBytes
	}
	return requests, bytes
}

// entrySize is what a logged request counts against the log's byte
// bound: its headers' names and values, and its body.
func entrySize(e *LoggedRequest) int64 {
	n := len(e.Body)
	for k, vs := range e.Header {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	return int64(n)
}

// push appends e and drops the oldest entries past the bounds.
func (l *requestLog) push(e *LoggedRequest, maxRequests int, maxBytes int64) {
	l.q.push(e)
	l.bytes += entrySize(e)
	for n := l.q.len(); n > 1 && (n > maxRequests || l.bytes > maxBytes); n-- {
		l.bytes -= entrySize(l.q.pop())
	}
}

// logRequest appends a request to the log and returns its entry.
func (s *Server) logRequest(r *http.Request, route Route, body []byte) *LoggedRequest {
	e := &LoggedRequest{
		Time:     s.Now(),
		WallTime: time.Now(),
		Method:   r.Method,
		Path:     r.URL.Path,
		Route:    route,
		Header:   r.Header.Clone(),
		Body:     body, // read-only from here on; Requests hands out copies
	}
	maxRequests, maxBytes := s.cfg.logLimits()
	s.mu.Lock()
	s.log.push(e, maxRequests, maxBytes)
	c := s.counts[route]
	c.Requests++
	s.counts[route] = c
	s.mu.Unlock()
	return e
}

func (s *Server) setStatus(e *LoggedRequest, status int) {
	s.mu.Lock()
	e.Status = status
	s.mu.Unlock()
}

func (s *Server) setFault(e *LoggedRequest, k FaultKind) {
	s.mu.Lock()
	e.Fault = k.String()
	c := s.counts[e.Route]
	c.Faulted++
	s.counts[e.Route] = c
	s.mu.Unlock()
}

// RouteCount is how many requests a route received, and how many of them
// an injected fault hit or the rate limit refused (Counts).
type RouteCount struct {
	// Requests is the number of requests received, faulted, refused or
	// not.
	Requests int `json:"requests"`
	// Faulted is the number of those an injected fault hit.
	Faulted int `json:"faulted"`
	// RateLimited is the number of those the rate limit (SetRateLimit)
	// refused with a 429.
	RateLimited int `json:"rateLimited"`
}

// Counts returns the requests received per route since the server started
// or ResetRequests was last called; unlike Requests, it counts every
// request, however many. Requests that matched no route count under "".
// The map is a copy the caller may keep.
func (s *Server) Counts() map[Route]RouteCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Requests returns a copy of the request log, in arrival order: the latest
// requests, up to 100,000 of them and 64 MiB of their headers and bodies
// unless WithRequestLogLimit says otherwise. Counts has the totals.
func (s *Server) Requests() []LoggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	live := s.log.q.all()
	out := make([]LoggedRequest, len(live))
	for i, e := range live {
		out[i] = *e
		out[i].Header = e.Header.Clone()
		out[i].Body = slices.Clone(e.Body)
	}
	return out
}

// ResetRequests empties the request log and the counts (Counts and
// RateLimited), for instance after a test's setup calls.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.log = requestLog{}
	s.counts = map[Route]RouteCount{}
	clear(s.limits.refused)
	s.mu.Unlock()
}
