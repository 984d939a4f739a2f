package nexway

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// The layers under the retry loop, outermost first:
//
//	authTransport    Bearer token; on 401, one new token and one resend
//	limitTransport   one limiter token per request sent, retries and
//	                 net/http's own resends included
//	attemptTransport per-attempt timeout, body read whole, capped and
//	                 decompressed, whether it may have been processed, logging
//	base             the caller's transport or a pooled *http.Transport

// maxBodyBytes caps a response body. The largest Nexway answer, an order of
// a thousand lines with serials and files, is well under 1 MiB.
const maxBodyBytes = 16 << 20

// errBody marks a body the client cannot use, too large or in an encoding
// it cannot read: a resend would meet the same. It does not wrap
// ErrInvalidResponse: what such an answer means depends on whether the
// call was a write (see callState.settle).
var (
	errBody     = errors.New("unusable response body")
	errTooLarge = fmt.Errorf("%w: larger than %d bytes", errBody, maxBodyBytes)
)

// notSentError marks a failure before the request left: it never makes a
// call's outcome ambiguous, and it is retried only when retry is set.
type notSentError struct {
	err   error
	retry bool
	kind  error
	ended bool // the caller's context ended, or would have, before sending
}

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

type authTransport struct {
	next   http.RoundTripper
	tokens *tokenSource
	host   string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.host {
		// Never hand the token to another host.
		return t.next.RoundTrip(req)
	}
	tok, err := t.tokens.token(req.Context())
	if err != nil {
		return nil, tokenFailure(err)
	}
	resp, err := t.next.RoundTrip(withBearer(req, tok))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || req.GetBody == nil {
		return resp, err
	}
	// The token was refused (expired early, revoked): one new token, one resend.
	resp.Body.Close()
	tok, err = t.tokens.renew(req.Context(), tok)
	if err != nil {
		return nil, tokenFailure(err)
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, &notSentError{err: err}
	}
	again := withBearer(req, tok)
	if again == req {
		again = shallowCopy(req)
	}
	again.Body = body
	return t.next.RoundTrip(again)
}

func tokenFailure(err error) error {
	var te *tokenError
	if errors.As(err, &te) {
		return &notSentError{err: te, retry: te.temporary(), kind: te.kind()}
	}
	return &notSentError{err: err, ended: true} // the caller's context ended while waiting
}

// withBearer returns req when it already carries tok, as Client.do sets
// the cached token up front; otherwise a copy with its own header map, as
// the RoundTripper contract forbids changing the caller's request.
func withBearer(req *http.Request, tok *accessToken) *http.Request {
	if auth := req.Header["Authorization"]; len(auth) == 1 && auth[0] == tok.header[0] {
		return req
	}
	r := shallowCopy(req)
	r.Header = make(http.Header, len(req.Header)+1)
	for k, v := range req.Header {
		r.Header[k] = v
	}
	r.Header["Authorization"] = tok.header
	return r
}

func shallowCopy(req *http.Request) *http.Request {
	r := *req
	return &r
}

type limitTransport struct {
	next    http.RoundTripper
	limiter RateLimiter
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := t.limiter.Wait(ctx); err != nil {
		_, std := t.limiter.(*rate.Limiter)
		_, deadline := ctx.Deadline()
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case std && deadline:
			// rate.Limiter refuses early when the wait would pass the
			// deadline, with an error that does not say so (golang/go#54541).
			err = fmt.Errorf("rate limiter: %w", context.DeadlineExceeded)
		}
		// Another limiter's own failure (a shared store down) is not the
		// caller's context ending: it stays the error, unwrappable.
		ended := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
		return nil, &notSentError{err: err, ended: ended}
	}
	if replayable(req) {
		req = req.WithContext(httptrace.WithClientTrace(ctx, t.resends(ctx)))
	}
	return t.next.RoundTrip(req)
}

// resends takes a token for each request net/http sends again by itself:
// it resends a replayable request whose reused connection closed before
// any answer, below this transport, and the server may have counted the
// first. Each resend begins with a new GetConn.
func (t *limitTransport) resends(ctx context.Context) *httptrace.ClientTrace {
	conns := 0 // GetConn runs on the RoundTrip's goroutine
	return &httptrace.ClientTrace{GetConn: func(string) {
		if conns++; conns == 1 {
			return
		}
		// An error here is the context ending, which stops the resend
		// anyway, or the limiter's store failing, which cannot.
		_ = t.limiter.Wait(ctx)
		if st := stateOf(ctx); st != nil && st.run != nil {
			st.run.requests++
			if st.run.part != "" {
				st.run.readBacks++
			}
		}
	}}
}

// replayable reports whether net/http may resend req on its own, as
// http.Request's unexported isReplayable decides.
func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// attemptTransport bounds one attempt and reads its body whole, so that a
// body cut off mid-way is an attempt error the retry loop sees, and every
// connection is drained and returned to the pool.
type attemptTransport struct {
	next      http.RoundTripper
	timeout   time.Duration
	logger    *slog.Logger
	traceless atomic.Bool // the transport was seen to send no trace events
}

// bufferedBody is a response body already read into memory.
type bufferedBody struct {
	data []byte
	bytes.Reader
}

func (b *bufferedBody) Close() error { return nil }

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := stateOf(req.Context())
	logging := st != nil && t.logger.Enabled(req.Context(), slog.LevelDebug)
	if st != nil {
		st.attempts++
		if r := st.run; r != nil {
			r.requests++
			if r.part != "" {
				r.readBacks++
			}
		}
	}
	var start time.Time
	if logging {
		start = time.Now()
	}
	ctx := req.Context()
	if st != nil && st.run != nil && st.run.obs != nil {
		ctx = st.run.obs.startAttempt(ctx, int(st.run.requests))
	}
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	var trace *sendTrace
	if st != nil && st.op.mutates && !t.traceless.Load() {
		// Only a write needs to know whether it left: a read is resent
		// whatever happened.
		trace = newSendTrace()
		ctx = httptrace.WithClientTrace(ctx, &trace.hooks)
	}
	var resp *http.Response
	var err error
	if cerr := req.Context().Err(); cerr != nil {
		// The call ended while a hook ran: the request never leaves, and
		// must not be judged as one that might have (net/http gives the
		// same error before and after sending).
		err = &notSentError{err: cerr, ended: true}
	} else {
		resp, err = t.next.RoundTrip(req.WithContext(ctx))
	}
	if trace != nil && resp != nil && !trace.getConn.Load() {
		// A transport that answered without a trace event never sends
		// any (an in-memory one, a mock): its writes are judged by their
		// errors alone, as without a trace, so stop paying for one.
		t.traceless.Store(true)
	}
	if err == nil {
		var data []byte
		data, err = readBody(resp)
		resp.Body.Close()
		if err == nil {
			b := &bufferedBody{data: data}
			b.Reset(data)
			resp.Body = b
		} else {
			resp = nil
		}
	}
	if err != nil && ctx.Err() != nil && req.Context().Err() == nil {
		err = &attemptTimeout{timeout: t.timeout}
	}
	if st != nil {
		var maybe bool
		maybe, err = st.settle(resp, err, trace)
		if st.run != nil && st.run.obs != nil {
			st.run.obs.attemptDone(attemptResult(st, resp, err, maybe))
		}
	}
	if logging {
		attrs := []slog.Attr{
			slog.String("op", st.op.name), slog.String("method", req.Method),
			slog.String("path", st.scrub(req.URL.Path)), slog.Int("attempt", st.attempts),
			slog.Duration("duration", time.Since(start)),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", st.scrub(err.Error())))
		} else {
			attrs = append(attrs, slog.Int("status", resp.StatusCode))
		}
		t.logger.LogAttrs(req.Context(), slog.LevelDebug, "nexway attempt", attrs...)
	}
	return resp, err
}

// attemptResult describes an attempt for the call's Observer, with its
// answer, whose code is read only if the attempt is retried.
func attemptResult(st *callState, resp *http.Response, err error, maybe bool) (AttemptResult, []byte) {
	r := AttemptResult{Err: observedErr(st.scrubErr(err)), MaybeProcessed: maybe}
	var body []byte
	if resp != nil {
		r.HTTPStatus = resp.StatusCode
		if b, ok := resp.Body.(*bufferedBody); ok {
			body = b.data
		}
	}
	return r, body
}

// attemptTimeout is an attempt that ran out of its own time while the
// call's context was still alive.
type attemptTimeout struct{ timeout time.Duration }

func (e *attemptTimeout) Error() string {
	return "attempt timed out after " + e.timeout.String()
}

// Is makes a timed-out attempt match context.DeadlineExceeded.
func (e *attemptTimeout) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout reports true, as net.Error timeouts do.
func (e *attemptTimeout) Timeout() bool { return true }

// readBody reads resp's body, decompressing it when the server compressed
// it without net/http undoing it (net/http only undoes a gzip it asked for
// itself): gzip and deflate, zlib-wrapped or raw. The decompressed body is
// capped like any other, so a small bomb cannot grow past maxBodyBytes.
func readBody(resp *http.Response) ([]byte, error) {
	ce := resp.Header["Content-Encoding"] // canonical: no Get, which checks the key
	if len(ce) == 0 {
		return readCapped(resp.Body, resp.ContentLength)
	}
	enc := strings.ToLower(strings.TrimSpace(ce[0]))
	if enc == "" || enc == "identity" {
		return readCapped(resp.Body, resp.ContentLength)
	}
	raw, err := readCapped(resp.Body, resp.ContentLength)
	if err != nil || len(raw) == 0 {
		// An empty body (a 204, say) has nothing encoded, whatever the
		// header claims.
		return raw, err
	}
	var zr io.ReadCloser
	switch enc {
	case "gzip", "x-gzip":
		zr, err = gzip.NewReader(bytes.NewReader(raw))
	case "deflate":
		if zr, err = zlib.NewReader(bytes.NewReader(raw)); err != nil {
			zr, err = flate.NewReader(bytes.NewReader(raw)), nil
		}
	default:
		return nil, fmt.Errorf("%w: content encoding %q not supported", errBody, cutText(enc, 32))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s body does not decompress", errBody, enc)
	}
	defer zr.Close()
	data, err := readCapped(zr, -1)
	if err != nil && !errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("%w: %s body does not decompress", errBody, enc)
	}
	resp.Header.Del("Content-Encoding")
	return data, err
}

// cutText cuts s to at most n bytes, for text quoted in an error.
func cutText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// readCapped reads a body of at most maxBodyBytes into a buffer sized up
// front when the length is announced, so a typical body costs one
// allocation. Unannounced bodies grow by doubling up to the cap, so a
// hostile one costs at most twice the cap in allocations.
func readCapped(r io.Reader, length int64) ([]byte, error) {
	if length > maxBodyBytes {
		return nil, errTooLarge
	}
	size := 512
	if length >= 0 {
		size = int(length) + 1 // +1: room to read the EOF without growing
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= maxBodyBytes {
				if err := expectEOF(r); err != nil {
					return nil, err
				}
				return buf, nil
			}
			grown := make([]byte, len(buf), min(2*cap(buf), maxBodyBytes))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > maxBodyBytes {
			return nil, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// expectEOF fails with errTooLarge when r holds more bytes.
func expectEOF(r io.Reader) error {
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		switch {
		case n > 0:
			return errTooLarge
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// newHTTPClient stacks the client's layers on the caller's transport.
func (c *Client) newHTTPClient(cfg *config) *http.Client {
	var hc http.Client
	base := cfg.transport
	if cfg.httpClient != nil {
		hc = *cfg.httpClient
		base = hc.Transport
	}
	if base == nil {
		base = defaultTransport()
	}
	c.baseTransport = base
	attempt := &attemptTransport{next: base, timeout: cfg.timeout, logger: cfg.logger}
	var rt http.RoundTripper = attempt
	if cfg.limiter != nil {
		rt = &limitTransport{next: rt, limiter: cfg.limiter}
	}
	if cfg.realm != "" {
		c.tokens = &tokenSource{
			url: cfg.tokenURL, realm: cfg.realm, clientSecret: cfg.clientSecret, timeout: cfg.timeout,
			userAgent: []string{cfg.userAgent},
			hc:        &http.Client{Transport: attempt, CheckRedirect: noRedirect},
		}
		rt = &authTransport{next: rt, tokens: c.tokens, host: c.host}
	}
	hc.Transport = rt
	hc.CheckRedirect = noRedirect
	return &hc
}

// noRedirect stops at the first redirect: Nexway does not redirect, and a
// redirect to another host must not receive the secret or the token.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func defaultTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	// A checkout service calls one host from many goroutines; the default
	// of 2 idle connections per host would make it reconnect constantly.
	t.MaxIdleConnsPerHost = 64
	return t
}
