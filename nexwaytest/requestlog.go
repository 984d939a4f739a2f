package nexwaytest

import (
	"maps"
	"net/http"
	"slices"
	"time"
)

// maxLogged bounds the request log; the oldest entries go first, half of
// them at a time so that a long run does not copy the log on every request.
// Counts keeps the totals of everything ever received.
const maxLogged = 100000

// LoggedRequest is one request the fake received, for tests to inspect
// (Requests). It holds headers as received, credentials included: it is
// test data, not a log line.
type LoggedRequest struct {
	// Time is when the request arrived, on the fake's clock.
	Time time.Time
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
}

// logRequest appends a request to the log and returns its entry.
func (s *Server) logRequest(r *http.Request, route Route, body []byte) *LoggedRequest {
	e := &LoggedRequest{
		Time:   s.Now(),
		Method: r.Method,
		Path:   r.URL.Path,
		Route:  route,
		Header: r.Header.Clone(),
		Body:   body, // read-only from here on; Requests hands out copies
	}
	s.mu.Lock()
	if len(s.log) >= maxLogged {
		s.log = slices.Delete(s.log, 0, maxLogged/2)
	}
	s.log = append(s.log, e)
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

// RouteCount is how many requests a route received and how many of them an
// injected fault hit (Counts).
type RouteCount struct {
	// Requests is the number of requests received, faulted or not.
	Requests int `json:"requests"`
	// Faulted is the number of those an injected fault hit.
	Faulted int `json:"faulted"`
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

// Requests returns a copy of the request log, in arrival order: every
// request up to 100,000; past that the oldest half is dropped at a time,
// so at least the latest 50,000 remain. Counts has the totals.
func (s *Server) Requests() []LoggedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LoggedRequest, len(s.log))
	for i, e := range s.log {
		out[i] = *e
		out[i].Header = e.Header.Clone()
		out[i].Body = slices.Clone(e.Body)
	}
	return out
}

// ResetRequests empties the request log and the counts, for instance
// after a test's setup calls.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.log = nil
	s.counts = map[Route]RouteCount{}
	s.mu.Unlock()
}
