package nexway

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Observer sees every call the client makes and every attempt of it, for
// tracing and metrics (the module github.com/nexway-go/nexway/otel builds
// OpenTelemetry spans and metrics on it). What it is given is scrubbed like
// errors: no secret, token or customer e-mail reaches it.
//
// A call is what the caller made: one method call, one StartCall and one
// EndCall, whatever requests it took. The hooks run on the call's
// goroutine, in order: StartCall, then for each request sent StartAttempt
// and EndAttempt, then EndCall. A call may send requests of its own parts
// (Create's read-back of an ambiguous order, Extend's read of the window
// before moving it by a period): they are attempts of the same call, with
// AttemptInfo.Part saying which. EndCall reports the outcome the caller
// gets: success when the caller gets a result (a cancel settled by 1011,
// a create settled by its read-back), Ambiguous exactly when the caller's
// error matches ErrAmbiguous.
//
// An Observer cannot change a call. It is given copies: writing into the
// error it gets does not change the caller's. The contexts the start hooks
// return carry on to the next hooks (a span's context, say), and their
// values reach the request, but the caller's deadline and cancellation
// bound every attempt whatever context a hook returns: a hook may add
// values, not remove or add limits. What it is given is scrubbed before
// the first hook runs, the call's own secrets (a territory secret) and the
// customer's e-mail included. A hook that blocks delays the call by as
// long; a hook that panics is recovered, logged at level Error by the
// client's logger, and the observer is not called again for that call. An
// Observer is shared by every call of the client: it must be safe for
// concurrent use.
type Observer interface {
	// StartCall is called when a call starts, after its arguments were
	// checked.
	StartCall(ctx context.Context, call CallInfo) context.Context
	// StartAttempt is called before each request is sent, retries and a
	// resend after a token renewal included.
	StartAttempt(ctx context.Context, attempt AttemptInfo) context.Context
	// EndAttempt is called when an attempt is over, with what it met and
	// whether the client will send again.
	EndAttempt(ctx context.Context, attempt AttemptInfo, result AttemptResult)
	// EndCall is called once when the call is over.
	EndCall(ctx context.Context, call CallInfo, result CallResult)
}

// CallInfo describes a call to an Observer.
type CallInfo struct {
	// Operation is the Nexway operation, e.g. "CreateOrder", or the Name of
	// a RawRequest.
	Operation string
	// Method and Path locate the request ("POST", "/connect/order/new"),
	// Path relative to the base URL and scrubbed.
	Method, Path string
	// Route is Path's template, without the ids it carries
	// ("/connect/order/{partnerOrderNumber}"), for low-cardinality span
	// names and metrics; "" for a RawRequest, whose template the client
	// does not know.
	Route string
	// Scheme and Host locate the server: "https", and the host with its
	// port when the URL has one.
	Scheme, Host string
	// Write says the call changes state at Nexway.
	Write bool
}

// AttemptInfo describes one attempt of a call: one request sent.
type AttemptInfo struct {
	// CallInfo is the request's: the call's own, or for a part the
	// operation it reads ("GetOrder" for Create's read-back, with its
	// method, path and route).
	CallInfo
	// Attempt counts the requests of the call from 1, parts included, as
	// CallResult.Attempts does.
	Attempt int
	// Part is "" for the call's own request, PartReadBack for Create's
	// read-back, PartRead for Extend's reads of the last download day.
	Part string
}

// AttemptResult is what an attempt met.
type AttemptResult struct {
	// HTTPStatus is the answer's status, 0 when none came.
	HTTPStatus int
	// ResponseCode is Nexway's responseCode when the answer had one.
	ResponseCode int
	// Err is the transport error, scrubbed, when no answer came.
	Err error
	// Duration is from sending to the answer read whole (or the failure).
	Duration time.Duration
	// Retry says whether the client sends the request again, and
	// RetryReason why or why not ("HTTP 503", "connection failed", "token
	// refused: renewed", "attempts exhausted", ...).
	Retry       bool
	RetryReason string
	// MaybeProcessed says whether Nexway may have processed the attempt
	// without an answer that settles it (see ErrAmbiguous).
	MaybeProcessed bool
}

// CallResult is how a call ended.
type CallResult struct {
	// Attempts is the number of requests the call sent: retries, resends
	// (after a token renewal, or by net/http itself) and the requests of
	// its parts included (as Response.Attempts and APIError.Attempts
	// count).
	Attempts int
	// ReadBacks is how many of Attempts were requests of the call's parts
	// (a read-back, Extend's read), not of its own request.
	ReadBacks int
	// HTTPStatus and ResponseCode are those of the last answer, 0 for none;
	// on success, those of the answer the result comes from (ResponseCode
	// 1011 for a cancel settled by it).
	HTTPStatus, ResponseCode int
	// Err is a copy of the call's error (an *APIError, scrubbed), nil
	// exactly when the caller gets a result.
	Err error
	// Ambiguous says the outcome is unknown (Err matches ErrAmbiguous).
	Ambiguous bool
	// Duration is from StartCall to the end.
	Duration time.Duration
}

// WithObserver makes o see every call and attempt of the client. Without
// it, observing costs nothing.
func WithObserver(o Observer) Option {
	return func(c *config) error {
		if o == nil {
			return invalid("WithObserver", "needs an observer")
		}
		c.observer = o
		return nil
	}
}

// observation follows one call for its observer; nil when the client has
// none.
type observation struct {
	run     run // the call's, in the same allocation
	o       Observer
	sends   int32 // attempts of the current request's retry loop (a 401 resend is not one)
	dead    bool  // a hook panicked: no more calls
	logger  *slog.Logger
	call    CallInfo
	part    *CallInfo // the part being sent, nil for the call's own request
	start   time.Time
	ctx     context.Context // the call's, from StartCall
	attempt struct {
		n      int // its number in the call
		ctx    context.Context
		start  time.Time
		result AttemptResult
		body   []byte // the answer, read for its code only if it is retried
		stage  attemptStage
	}
}

// attemptStage is how far the report of the current attempt got.
type attemptStage int

const (
	reported attemptStage = iota // nothing pending
	sent                         // over; the retry decision is to come
	decided                      // not retried; the code comes from the call's decoding
)

// guard runs a hook, recovering a panic: the observer is then dropped for
// the rest of the call.
func (ob *observation) guard(hook string, f func()) (ok bool) {
	if ob.dead {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			ob.dead = true
			ob.logger.Error("nexway: observer panicked; not called again for this call",
				slog.String("hook", hook), slog.String("op", ob.call.Operation))
			ok = false
		}
	}()
	f()
	return true
}

// startCall begins ob, the observation of k. It returns the context of
// the call's requests (the hook's values, the caller's limits), and
// whether the observation goes on.
func (c *Client) startCall(ctx context.Context, k *call, ob *observation) (context.Context, bool) {
	ob.o, ob.logger, ob.start, ob.call = c.observer, c.logger, time.Now(), c.callInfo(k)
	ob.ctx = ctx
	if !ob.guard("StartCall", func() { ob.ctx = ob.o.StartCall(ctx, ob.call) }) || ob.ctx == nil {
		return ctx, false
	}
	return bounded(ob.ctx, ctx), true
}

// callInfo describes k, scrubbed.
func (c *Client) callInfo(k *call) CallInfo {
	path := k.state.scrub("/" + cutQuery(k.path))
	route := k.op.route
	if route == "" && !k.op.raw {
		route = path // a path without ids
	}
	return CallInfo{
		Operation: k.op.name, Method: k.method, Path: path, Route: route,
		Scheme: c.scheme, Host: c.host, Write: k.op.mutates,
	}
}

// startPart makes the next attempts those of a part of the call.
func (ob *observation) startPart(info CallInfo) {
	ob.part, ob.sends = &info, 0
}

// endPart makes the next attempts the call's own again.
func (ob *observation) endPart() {
	ob.part, ob.sends = nil, 0
}

func cutQuery(path string) string {
	for i := 0; i < len(path); i++ {
		if path[i] == '?' {
			return path[:i]
		}
	}
	return path
}

// startAttempt reports an attempt about to be sent, first ending the one
// before when its retry decision never came (a resend after a 401). It
// returns the attempt's context: the hook's values, ctx's limits.
func (ob *observation) startAttempt(ctx context.Context, n int) context.Context {
	if ob.attempt.stage == sent {
		ob.decide(true, "token refused: renewed")
	}
	ob.attempt.n = n
	ob.attempt.ctx, ob.attempt.start = ctx, time.Now()
	info := ob.attemptInfo()
	ob.guard("StartAttempt", func() { ob.attempt.ctx = ob.o.StartAttempt(ctx, info) })
	if ob.attempt.ctx == nil {
		ob.attempt.ctx = ctx
	}
	return bounded(ob.attempt.ctx, ctx)
}

// attemptDone records what the attempt met; the retry decision comes next.
func (ob *observation) attemptDone(r AttemptResult, body []byte) {
	r.Duration = time.Since(ob.attempt.start)
	ob.attempt.result, ob.attempt.body, ob.attempt.stage = r, body, sent
}

// decide reports the attempt with its retry decision. An attempt that is
// not retried waits for finish, which brings the code the call decoded: the
// answer is decoded once, not once more for the observer.
func (ob *observation) decide(retry bool, reason string) {
	if ob.attempt.stage != sent {
		return
	}
	ob.attempt.result.Retry, ob.attempt.result.RetryReason = retry, reason
	ob.attempt.stage = decided
	if retry {
		ob.attempt.result.ResponseCode = codeIn(ob.attempt.body)
		ob.report()
	}
}

// finish reports the last attempt with the code the call decoded.
func (ob *observation) finish(code int) {
	switch ob.attempt.stage {
	case sent:
		ob.attempt.result.RetryReason = "call over"
	case decided:
	default:
		return
	}
	ob.attempt.result.ResponseCode = code
	ob.report()
}

func (ob *observation) report() {
	ob.attempt.stage, ob.attempt.body = reported, nil
	r, info := ob.attempt.result, ob.attemptInfo()
	ob.guard("EndAttempt", func() { ob.o.EndAttempt(ob.attempt.ctx, info, r) })
}

// attemptInfo describes the current attempt, made when a hook needs it
// so that the observation stays small.
func (ob *observation) attemptInfo() AttemptInfo {
	if ob.part != nil {
		return AttemptInfo{CallInfo: *ob.part, Attempt: ob.attempt.n, Part: ob.run.part}
	}
	return AttemptInfo{CallInfo: ob.call, Attempt: ob.attempt.n}
}

// codeIn reads the responseCode of an answer, 0 when it has none.
func codeIn(body []byte) int {
	var env Envelope
	if !isJSONObject(body) {
		return 0
	}
	if _, err := decodeJSON(body, &env); err != nil {
		return 0
	}
	return env.ResponseCode
}

// codeOf is the responseCode of a call's answer, as decoded.
func codeOf(k *call, err error) int {
	if e, ok := err.(*APIError); ok {
		return e.ResponseCode
	}
	if err == nil && k.out != nil {
		return k.out.envelope().ResponseCode
	}
	return 0
}

// endCall reports the end of the call with the outcome its caller gets:
// out, or a copy of err.
func (ob *observation) endCall(run *run, out result, err error) {
	r := CallResult{Attempts: int(run.requests), ReadBacks: int(run.readBacks), Duration: time.Since(ob.start)}
	switch e := err.(type) {
	case nil:
		r.HTTPStatus, r.ResponseCode = run.status, out.envelope().ResponseCode
	case *APIError:
		r.HTTPStatus, r.ResponseCode, r.Ambiguous = e.HTTPStatus, e.ResponseCode, e.ambiguous
	default:
		r.Ambiguous = errors.Is(err, ErrAmbiguous)
	}
	r.Err = observedErr(err)
	ob.guard("EndCall", func() { ob.o.EndCall(ob.ctx, ob.call, r) })
}
