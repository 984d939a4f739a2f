package fulfillment

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/nexway-go/nexway/internal/redact"
	"github.com/nexway-go/nexway/internal/strictjson"
)

// A Fulfiller is the publisher's code: it issues, revokes, renews or
// upgrades the license for one unit.
//
// Return a Result when done, a *Refusal (see Refuse) for a business
// refusal that retrying will not change, and any other error for a
// transient failure (a database down): Nexway then retries later, and the
// handler calls Fulfill again, so a transient error must mean that nothing
// was issued. A panic is answered as a transient failure too. Fulfill is
// called at most once at a time per unit, and never again once it
// returned a Result or a Refusal that the Store recorded. ctx ends with the
// request or with the unit's lease, whichever comes first.
type Fulfiller interface {
	Fulfill(ctx context.Context, req *Request) (*Result, error)
}

// FulfillerFunc adapts a function to Fulfiller.
type FulfillerFunc func(ctx context.Context, req *Request) (*Result, error)

// Fulfill calls f.
func (f FulfillerFunc) Fulfill(ctx context.Context, req *Request) (*Result, error) {
	return f(ctx, req)
}

// Handler serves Nexway's fulfillment calls. Build it with NewHandler; it
// is safe for concurrent use.
//
// It answers:
//   - 404 for a path that is not a route, 405 for a method other than POST;
//   - 401 for missing or wrong Basic credentials, before reading the body;
//   - 413 for a body over the size cap; 400 for a body that is not a JSON
//     object read one way only (see the package doc), not of the expected
//     shape, or without a valid fulfillment id (and, for a renewal or an
//     upgrade, order id);
//   - 403 for a missing or wrong signature, when one is required;
//   - 200 with the recorded answer (a Result or a Refusal) of the unit;
//   - 503 when the Fulfiller failed transiently or returned text that is
//     not UTF-8, the Store failed, or another request still works on the
//     unit (with Retry-After); 500 when the Fulfiller, or the encoding of
//     its answer, panicked.
//
// Nexway retries every answer but a 200 (and, its docs hint, a 200 with
// an errorCode may be retried too); only the 200s are recorded.
type Handler struct {
	f     Fulfiller
	store Store
	cfg   *config
}

// NewHandler returns a Handler that runs f for each unit, recording
// answers in store. It fails when f or store is nil, when an option is
// invalid, when neither WithBasicAuth nor WithoutAuth is given, or when a
// required signature does not cover what keys a unit (see WithSignature).
func NewHandler(f Fulfiller, store Store, opts ...Option) (*Handler, error) {
	if f == nil || store == nil {
		return nil, errors.New("fulfillment: NewHandler: nil Fulfiller or Store")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.custom != nil && !cfg.genSet {
		cfg.genPath = nil // the default template's order id is not the custom one's
	}
	if !cfg.authSet {
		return nil, errors.New("fulfillment: NewHandler: no authentication: use WithBasicAuth, or WithoutAuth when TLS client certificates or a gateway authenticate Nexway")
	}
	if err := cfg.signatureCoversUnits(); err != nil {
		return nil, err
	}
	return &Handler{f: f, store: store, cfg: cfg}, nil
}

// signatureCoversUnits checks that a required signature covers what keys a
// unit: the id, and the generation's id when a route renews or upgrades.
// Otherwise one captured request, replayed with ids made up, would obtain
// a key per id, every one of them validly signed.
func (c *config) signatureCoversUnits() error {
	if c.signer == nil {
		return nil
	}
	need := []path{c.idPath}
	if c.genPath != nil && slices.ContainsFunc(slices.Collect(maps.Values(c.routes)), Operation.repeats) {
		need = append(need, *c.genPath)
	}
	for _, p := range need {
		if !slices.ContainsFunc(c.signer.paths, p.same) {
			return fmt.Errorf("fulfillment: NewHandler: the signed fields leave out %s, which keys a unit: a request replayed with another value there would pass the signature; sign it at Nexway and in NewSigner", p.text)
		}
	}
	return nil
}

// ServeHTTP serves one call from Nexway.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := h.cfg.routes[trimSlash(r.URL.Path)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !h.authorized(r) {
		h.cfg.logger.Warn("fulfillment: bad credentials", "op", op, "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Basic realm="nexway-fulfillment", charset="UTF-8"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	raw, err := h.readBody(w, r)
	if err != nil {
		h.cfg.logger.Warn("fulfillment: body too large or unreadable", "op", op)
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	req, status, msg := h.decode(op, raw, r.Header)
	if status != 0 {
		h.cfg.logger.Warn("fulfillment: request refused", "op", op, "status", status, "reason", msg)
		http.Error(w, msg, status)
		return
	}
	h.serveUnit(r.Context(), w, req)
}

// authorized compares hashes of the credentials, so that the comparison
// takes the same time whatever their lengths and contents.
func (h *Handler) authorized(r *http.Request) bool {
	if !h.cfg.checkAuth {
		return true
	}
	user, pass, ok := r.BasicAuth()
	u, p := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
	match := subtle.ConstantTimeCompare(u[:], h.cfg.userSum[:]) & subtle.ConstantTimeCompare(p[:], h.cfg.passSum[:])
	return ok && match == 1
}

// readBody reads the body up to the size cap, refusing a declared length
// over it without reading anything. A declared length sizes the buffer.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > h.cfg.maxBody {
		return nil, errors.New("body too large")
	}
	body := http.MaxBytesReader(w, r.Body, h.cfg.maxBody)
	if r.ContentLength > 0 {
		buf := make([]byte, r.ContentLength)
		_, err := io.ReadFull(body, buf)
		return buf, err
	}
	return io.ReadAll(body)
}

// decode reads the body once, strictly (see the package doc), checks the
// signature over that reading and takes the Request's values from it. A
// non-zero status refuses the request with msg, which names what is wrong
// but quotes nothing from the body.
func (h *Handler) decode(op Operation, raw []byte, hdr http.Header) (req *Request, status int, msg string) {
	req = &Request{Operation: op, Raw: raw, Header: hdr}
	doc, err := decodeDoc(raw)
	if err != nil {
		return nil, http.StatusBadRequest, "body is not JSON that reads one way only: " + err.Error()
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, http.StatusBadRequest, "body is not a JSON object"
	}
	if s := h.cfg.signer; s != nil {
		if err := s.verifyDoc(doc, hdr.Get(h.cfg.sigHeader)); err != nil {
			return nil, http.StatusForbidden, "bad signature"
		}
	}
	if err := checkExactNames(doc, h.cfg.bodyType); err != nil {
		return nil, http.StatusBadRequest, "body is ambiguous: " + err.Error()
	}
	if h.cfg.custom != nil {
		custom, err := h.cfg.custom(raw)
		if err != nil {
			return nil, http.StatusBadRequest, "body does not match the configured template"
		}
		req.Custom = custom
	} else if req.Body, err = bodyFromTree(obj); err != nil {
		return nil, http.StatusBadRequest, "body does not match the default template: " + err.Error()
	}
	if req.FulfillmentID, err = idAt(doc, h.cfg.idPath, "fulfillment id"); err != nil {
		return nil, http.StatusBadRequest, err.Error()
	}
	if op.repeats() && h.cfg.genPath != nil {
		if req.Generation, err = idAt(doc, *h.cfg.genPath, "order id"); err != nil {
			return nil, http.StatusBadRequest, err.Error()
		}
	}
	return req, 0, ""
}

// idAt reads the id at p, a string or a number (in plain decimal), and
// checks it (see checkID); what names it in the error.
func idAt(doc any, p path, what string) (string, error) {
	v, _ := p.resolve(doc)
	var id string
	switch v := v.(type) {
	case string:
		id = v
	case json.Number:
		id = canonicalNumber(string(v))
	}
	return id, checkID(what+" at "+p.text, id)
}

// serveUnit answers from the store, or claims the unit and runs it.
func (h *Handler) serveUnit(ctx context.Context, w http.ResponseWriter, req *Request) {
	l := Lease{Key: Key{FulfillmentID: req.FulfillmentID, Operation: req.Operation, Generation: req.Generation}, Token: rand.Text()}
	out, err := h.claim(ctx, &l)
	if err != nil {
		h.log(ctx, slog.LevelError, req, "fulfillment: store claim failed", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	switch out.Status {
	case Answered:
		h.log(ctx, slog.LevelDebug, req, "fulfillment: replayed the recorded answer")
		writeAnswer(w, out.Answer)
	case Acquired:
		h.run(ctx, w, req, l)
	default:
		h.log(ctx, slog.LevelInfo, req, "fulfillment: unit busy in another request", "until", out.Until)
		secs := (time.Until(out.Until) + time.Second - 1) / time.Second // rounded up
		w.Header().Set("Retry-After", strconv.Itoa(max(int(secs), 1)))
		http.Error(w, "another request is working on this unit", http.StatusServiceUnavailable)
	}
}

// claim claims the unit; while another request holds it, it polls the
// store for up to the busy wait, so that a retry racing the first attempt
// gets its answer rather than a 503.
func (h *Handler) claim(ctx context.Context, l *Lease) (Outcome, error) {
	deadline := time.Now().Add(h.cfg.busyWait)
	pause := 10 * time.Millisecond
	for {
		l.Now = time.Now()
		l.Until = l.Now.Add(h.cfg.lease)
		out, err := h.store.Claim(ctx, *l)
		if err != nil || out.Status != InFlight {
			return out, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return out, nil
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return out, nil
		case <-t.C:
		}
		pause = min(2*pause, 250*time.Millisecond)
	}
}

// storeTimeout bounds the store calls that must happen even when Nexway has
// hung up: recording an answer and releasing a lease.
const storeTimeout = 10 * time.Second

// run calls the Fulfiller for a unit this request holds and records its
// answer, or releases the unit when there is none to record.
func (h *Handler) run(ctx context.Context, w http.ResponseWriter, req *Request, l Lease) {
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	answer, panicked, err := h.outcome(ctx, req, l.Until)
	if answer == nil {
		if rerr := h.store.Release(bg, l); rerr != nil {
			h.log(ctx, slog.LevelError, req, "fulfillment: store release failed; the unit waits for its lease to end", "err", rerr)
		}
		if panicked {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		// The Fulfiller's text may quote the buyer.
		h.log(ctx, slog.LevelWarn, req, "fulfillment: transient failure, Nexway will retry", "err", redact.Message(err.Error(), []string{req.Body.User.Email}))
		http.Error(w, "temporary failure", http.StatusServiceUnavailable)
		return
	}
	if err := h.store.Complete(bg, l, answer); err != nil {
		// Without a record the answer must not reach Nexway: a retry could
		// not replay it. If another request took the unit over, it answers;
		// otherwise a retry runs the unit again once the lease ends.
		h.log(ctx, slog.LevelError, req, "fulfillment: store could not record the answer", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	writeAnswer(w, answer)
}

// outcome runs the publisher's code for a unit (the Fulfiller, then the
// answer shape and the encoding of the values it returned) under one
// recover, with a context that ends with the lease. It returns the answer
// to record, or nil with the transient error, or with panicked set (the
// panic logged with its stack, not its value, which may hold customer
// data). An answer is only what the publisher returned, byte for byte:
// text that is not UTF-8, which encoding/json would silently replace,
// is a transient error.
func (h *Handler) outcome(ctx context.Context, req *Request, until time.Time) (answer []byte, panicked bool, err error) {
	ctx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			h.log(ctx, slog.LevelError, req, "fulfillment: the Fulfiller, or the encoding of its answer, panicked", "stack", string(debug.Stack()))
			answer, panicked, err = nil, true, nil
		}
	}()
	res, err := h.f.Fulfill(ctx, req)
	var refusal *Refusal
	var v any
	switch {
	case err == nil:
		if res == nil {
			res = &Result{}
		}
		v = h.cfg.shape.Success(res)
	case errors.As(err, &refusal) && refusal != nil:
		h.log(ctx, slog.LevelInfo, req, "fulfillment: refused", "code", refusal.code())
		v = h.cfg.shape.Refused(refusal)
	default:
		return nil, false, err // a nil *Refusal too: it refuses nothing
	}
	if answer, err = json.Marshal(v); err != nil {
		return nil, false, fmt.Errorf("answer does not encode as JSON: %w", err)
	}
	if err := strictjson.Faithful(answer); err != nil {
		return nil, false, fmt.Errorf("answer: %w", err)
	}
	return answer, false, nil
}

// log logs a line about req's unit, building nothing when the level is off.
func (h *Handler) log(ctx context.Context, level slog.Level, req *Request, msg string, args ...any) {
	if !h.cfg.logger.Enabled(ctx, level) {
		return
	}
	h.cfg.logger.Log(ctx, level, msg, append([]any{"op", req.Operation, "fulfillmentId", req.FulfillmentID, "generation", req.Generation}, args...)...)
}

func writeAnswer(w http.ResponseWriter, answer []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(answer)
}
