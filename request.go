package nexway

// The life of a call, from a service method to the wire and back:
//
//  1. The service method (orders.go, stock.go, ...) checks its arguments
//     (validate.go, orders_request.go) before any I/O and builds a call: its
//     operation from operations.go (retry policy and code table), method,
//     path, body and result.
//  2. Client.begin (run.go) reads the call options and starts the call's
//     run, and its observation once every secret of the call is known.
//     Client.send, in this file, encodes the body, sets the headers and puts
//     the call's state in the request's context. The layers below are
//     http.RoundTrippers, which see only a request, and the retry loop's
//     CheckRetry sees only a context: the context is how state that spans
//     the attempts (their count, whether one may have been processed, what
//     to scrub) reaches them.
//  3. retryablehttp's loop sends attempts (retry.go: checkRetry, backoff)
//     through the layers of transport.go, outermost first: authTransport
//     (the bearer from token.go, one renewal on a 401), limitTransport (the
//     RateLimiter), attemptTransport (the per-attempt timeout, the body read
//     whole, capped and decompressed, the debug log), then the caller's
//     transport.
//  4. After each attempt, outcome.go's settle records whether Nexway may
//     have processed it, and checkRetry decides whether to send again.
//  5. Client.decode, in this file, maps the HTTP status, then the envelope's
//     responseCode through the operation's table, then decodes the result
//     (lenient.go: the fast path, then the lenient one when needed). Errors
//     are built by apiError, which scrubs everything that leaves (redact.go).
//  6. The service method acts on the outcome: Create reads an ambiguous
//     order back (orders.go), a cancel takes a 1011 after a lost answer as
//     done. Then Client.end (run.go) reports that outcome, the one the
//     caller gets, to WithResponse and the Observer, counting every request
//     of the call.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/hashicorp/go-retryablehttp"
)

// call is one API call on its way through the pipeline.
type call struct {
	op     *operation
	method string
	path   string // relative to the base URL, already escaped
	in     any    // request body, nil for none
	out    result
	opts   []CallOption
	state  callState
}

// result is a decoded answer: every result embeds Envelope.
type result interface{ envelope() *Envelope }

// callState follows a call through the retry loop; the transports and
// checkRetry find it in the request context.
type callState struct {
	op       *operation
	attempts int
	// maybeProcessed: an attempt may have been processed by Nexway without
	// an answer that says whether it was (see settle).
	maybeProcessed bool
	client         *Client
	hidden         []string  // the call's own credentials (a territory secret, the feed's query), scrubbed from what leaves
	email          [1]string // the customer's, scrubbed likewise
	run            *run      // the caller's call this request is for; nil for a plain call
}

type stateKey struct{}

func stateOf(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

var jsonType = []string{"application/json"}

// send sends k, the call's own request or a part of it, through the retry
// loop and decodes the answer into k.out.
func (c *Client) send(ctx context.Context, k *call) (err error) {
	r := k.state.run
	if r == nil {
		r = &plainRun
	}
	if ob := r.obs; ob != nil {
		defer func() { ob.finish(codeOf(k, err)) }()
	}
	var body any
	if k.in != nil {
		b, err := json.Marshal(k.in)
		if err != nil {
			return invalid("request", "cannot be encoded as JSON")
		}
		body = b
	}
	ctx = context.WithValue(ctx, stateKey{}, &k.state)
	req, err := retryablehttp.NewRequestWithContext(ctx, k.method, c.base+k.path, body)
	if err != nil {
		return invalid("path", "does not form a valid URL")
	}
	h := req.Header
	h["Accept"] = jsonType
	if body != nil {
		h["Content-Type"] = jsonType
	}
	h["User-Agent"] = c.userAgent
	switch {
	case r.cc.secret != "":
		h["Secret"] = []string{r.cc.secret}
	case c.secret != "":
		h["Secret"] = c.secretHeader
	}
	for key, v := range r.cc.header {
		h[key] = append(h[key], v...)
	}
	if c.tokens != nil {
		// The cached token saves the auth transport a copy of the request.
		if tok := c.tokens.cached(); tok != nil {
			h["Authorization"] = tok.header
		}
	}

	resp, err := c.rc.Do(req)
	if err != nil {
		return c.transportError(ctx, k, err)
	}
	data, err := responseBytes(resp)
	if err != nil {
		return c.transportError(ctx, k, err)
	}
	if r != &plainRun {
		r.status, r.header = resp.StatusCode, resp.Header
	}
	return c.decode(k, resp, data)
}

// responseBytes returns the body the attempt transport read, or reads it
// when a layer of the caller's http.Client wrapped it.
func responseBytes(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if b, ok := resp.Body.(*bufferedBody); ok {
		return b.data, nil
	}
	return readCapped(resp.Body, resp.ContentLength)
}

// decode maps the HTTP status, then Nexway's responseCode, then the result.
func (c *Client) decode(k *call, resp *http.Response, data []byte) error {
	data = skipBOM(data) // Raw keeps the JSON, not the mark
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		kind := statusCode(resp.StatusCode)
		var env Envelope
		if _, err := decodeJSON(data, &env); err == nil && env.ResponseCode != 0 {
			if byCode := k.op.lookup(env.ResponseCode); byCode.kind != nil {
				kind = byCode
			}
		}
		return c.apiError(k, resp, kind, env.ResponseCode, env.ResponseMessage, nil)
	}
	if !isJSONObject(data) || bytes.HasPrefix(data, bom) {
		// A second mark is not JSON's: decodeJSON would skip it too.
		return c.unreadable(k, resp, "response is not JSON")
	}
	if lenient, err := decodeJSON(data, k.out); err != nil || (lenient && !codeReadable(data)) {
		var ee *essentialError
		if errors.As(err, &ee) {
			return c.unreadableEssential(k, resp, data, ee)
		}
		return c.unreadable(k, resp, "response is not the expected JSON")
	}
	if n, ok := k.out.(interface{ normalize() }); ok {
		n.normalize()
	}
	env := k.out.envelope()
	env.Raw = data
	if env.ResponseCode != 0 {
		return c.apiError(k, resp, k.op.lookup(env.ResponseCode), env.ResponseCode, env.ResponseMessage, nil)
	}
	if v, ok := k.out.(interface{ validResponse() bool }); ok && !v.validResponse() {
		return c.unreadable(k, resp, "response lacks required fields")
	}
	if v, ok := k.out.(interface{ conflict() string }); ok {
		if why := v.conflict(); why != "" {
			return c.unreadable(k, resp, why)
		}
	}
	return nil
}

// unreadable reports a 2xx whose body cannot be read: Nexway answered, so a
// write may have been processed, but the answer does not say whether.
func (c *Client) unreadable(k *call, resp *http.Response, meaning string) error {
	k.state.maybeProcessed = true
	return c.apiError(k, resp, code{meaning, ErrInvalidResponse}, 0, "", nil)
}

func isJSONObject(data []byte) bool {
	for _, b := range skipBOM(data) {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b == '{'
	}
	return false
}

// transportError wraps a failure that left no response to decode.
func (c *Client) transportError(ctx context.Context, k *call, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // the method and path are on the APIError already
	}
	kind := code{"request failed", ErrUnavailable}
	var ns *notSentError
	switch {
	case ctx.Err() != nil || (errors.As(err, &ns) && ns.ended):
		// Ended, or the rate limiter saw the deadline would pass first.
		kind = code{"call ended before an answer", nil}
	case errors.As(err, &ns) && ns.kind != nil:
		kind = code{"token request failed", ns.kind}
	case errors.Is(err, errBody):
		kind = code{"response body unusable", ErrInvalidResponse}
	}
	return c.apiError(k, nil, kind, 0, "", err)
}

// apiError builds the call's error. A write that an attempt may have
// processed without a definite answer is ambiguous whatever the last
// attempt met, a refusal or a failure code included, because a resend's
// "no" does not undo an earlier attempt's possible "yes"; it then matches
// ErrAmbiguous and no other sentinel. Everything from the server or the
// transport is scrubbed of secrets, tokens and customer data.
func (c *Client) apiError(k *call, resp *http.Response, kind code, rc int, msg string, err error) *APIError {
	st := &k.state
	e := &APIError{
		Operation:       k.op.name,
		Method:          k.method,
		Path:            st.scrub("/" + k.path),
		ResponseCode:    rc,
		ResponseMessage: st.scrubMessage(msg),
		Meaning:         kind.meaning,
		Attempts:        st.attempts,
		Err:             st.scrubErr(err),
		kind:            kind.kind,
	}
	if resp != nil {
		e.HTTPStatus = resp.StatusCode
		e.RequestID = st.scrub(requestID(resp.Header))
		e.RetryAfter, _ = retryAfter(resp)
	}
	if k.op.mutates && st.maybeProcessed {
		e.ambiguous, e.kind = true, nil
	}
	return e
}

func requestID(h http.Header) string {
	for _, k := range []string{"X-Request-Id", "X-Correlation-Id", "Request-Id"} {
		if v := h.Get(k); v != "" {
			if len(v) > 128 {
				v = v[:128]
			}
			return v
		}
	}
	return ""
}
