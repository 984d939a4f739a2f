package nexwaytest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
)

// maxBodyBytes caps how much of a request body the fake reads.
const maxBodyBytes = 1 << 20

// ServeHTTP answers one request as Nexway would. It logs the request
// (Requests, Counts), refuses it if it is over the rate limit
// (SetRateLimit), makes the subscription renewals that fell due,
// applies an injected fault if one is due, checks the bearer token and the
// secret header on /connect routes, then runs the operation. A started
// Server serves its URL with it; a test may also call it directly, with an
// httptest.ResponseRecorder, or mount the fake in a server of its own.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveAdmin(w, r) {
		return
	}
	s.begin()
	defer s.end()
	var body []byte
	if r.Body != nil { // nil when a test calls ServeHTTP with a client request
		// A body over the cap is cut, so it fails to parse: the operation's
		// "missing" code.
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	route := s.routeOf(r)
	entry := s.logRequest(r, route, body)
	if s.overLimit(w, r, route, entry) {
		return
	}
	s.processDue()

	// Answers go out through out, in the dialect; faults that cut the
	// connection use w itself.
	var out http.ResponseWriter = w
	var d Dialect
	if route != RouteFeed { // a feed is CSV or XML, streamed as it is made
		d = s.dialects.next()
	}
	if d != (Dialect{}) {
		dw := &dialectWriter{ResponseWriter: w}
		defer dw.finish(d, route)
		out = dw
	}
	sw := &statusWriter{ResponseWriter: out}
	if f, hit := s.nextFault(route, r.URL.Path, body); hit {
		s.setFault(entry, f.Kind)
		if done := s.applyFault(w, sw, r, route, f, entry, d); done {
			return
		}
	}
	s.serve(sw, r, route)
	s.setStatus(entry, sw.status)
}

// begin and end count the requests being served, for WaitIdle.
func (s *Server) begin() {
	s.mu.Lock()
	if s.inflight == 0 {
		s.idle = make(chan struct{})
	}
	s.inflight++
	s.mu.Unlock()
}

func (s *Server) end() {
	s.mu.Lock()
	s.inflight--
	if s.inflight == 0 {
		close(s.idle)
	}
	s.mu.Unlock()
}

// WaitIdle waits until the fake serves no request, or ctx ends. A test
// calls it before comparing what the fake stored with what its client was
// told: a request the client gave up on (a FaultLatency past its timeout)
// may still be processed after the call returned. A request held by a
// FaultStall ends when its client goes away.
func (s *Server) WaitIdle(ctx context.Context) error {
	for {
		s.mu.Lock()
		n, idle := s.inflight, s.idle
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// serve runs the gate and the operation.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, route Route) {
	if isConnect(route) && !s.gate(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// gate checks the bearer token (when a realm is configured) and the
// `secret` header of a /connect request. A bad token is HTTP 401; a missing
// or unknown secret is HTTP 200 with the codes 70/71 that every Connect
// operation shares, answered before any other validation.
func (s *Server) gate(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.realm != "" {
		if reason := s.checkBearer(r); reason != "" {
			denyToken(w, reason)
			return false
		}
	}
	secret := r.Header.Get("secret")
	if secret == "" {
		writeEnvelope(w, 70, "secret missing")
		return false
	}
	if !slices.Contains(s.cfg.secrets, secret) {
		writeEnvelope(w, 71, "secret not valid")
		return false
	}
	return true
}

// statusWriter remembers the status written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discardWriter is where a request whose answer a fault keeps from the
// client is answered; the answer is kept for a fault that sends part of it
// (keep), and dropped otherwise, so that a long feed does not pile up.
type discardWriter struct {
	h      http.Header
	status int
	keep   bool
	body   bytes.Buffer
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.keep {
		return len(b), nil
	}
	return w.body.Write(b)
}

// readBody returns a request's body (already buffered by ServeHTTP).
func readBody(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	return b
}
