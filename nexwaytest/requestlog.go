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

// LoggedRequest is one request the fake received, for tests to inspect. It
// holds headers as received, credentials included: it is test data, not a
// log line.
type LoggedRequest struct {
	Time   time.Time // on the server's clock, at arrival
	Method string
	Path   string
	Route  Route // "" when no route matched
	Header http.Header
	Body   []byte
	Status int    // HTTP status written (or that would have been, for lose-response); 0 for drop
	Fault  string // "" or the injected fault's kind name (FaultKind.String)
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
// injected fault hit.
type RouteCount struct {
	Requests int
	Faulted  int
}

// Counts returns the requests received per route since the server started
// or ResetRequests was last called, unlike Requests not bounded by the log's
// size. Requests that matched no route count under "".
func (s *Server) Counts() map[Route]RouteCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Requests returns a copy of the log, in arrival order.
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

// ResetRequests empties the log and the counts.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.log = nil
	s.counts = map[Route]RouteCount{}
	s.mu.Unlock()
}
