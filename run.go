package nexway

import (
	"context"
	"net/http"
)

// A caller's call may send more than one request: Create reads an
// ambiguous order back, Extend by a period reads the download window
// before writing it. Every report on the call (the Observer's, WithResponse,
// the error's Attempts) is made from one record, its run, once the service
// method has decided the outcome the caller gets: the reports cannot
// disagree with the caller, nor with each other.

// Parts of a call, as AttemptInfo.Part names them.
const (
	// PartReadBack is Create's read of an order after an attempt that may
	// have been processed without a settling answer.
	PartReadBack = "read-back"
	// PartRead is one of Extend's reads of the last download day (the
	// download info, then the order), before it writes the window moved by
	// a period.
	PartRead = "read"
)

// run is a call as its caller sees it, from its arguments checked to the
// outcome returned. A plain call (no option, no observer, one request)
// has none: its callState counts its attempts.
type run struct {
	cc        callConfig
	obs       *observation // nil without an Observer
	requests  int32        // every request sent, parts included
	readBacks int32        // the requests of parts
	part      string       // the part being sent, "" for the call's own request
	status    int          // of the last answer, 0 for none
	header    http.Header  // of the last answer
}

// plainRun stands for the run of a plain call, never written.
var plainRun run

// begin starts k's run: it reads the call options, gathers every value
// of the call to scrub, and only then starts the observation, so that no
// hook sees a secret. The context it returns bounds the call's requests:
// the caller's deadline and cancellation, with the values a hook added.
func (c *Client) begin(ctx context.Context, k *call) (context.Context, error) {
	k.state.op, k.state.client = k.op, c
	var ob *observation
	switch {
	case c.observer != nil:
		ob = new(observation) // the run in the same allocation
		k.state.run = &ob.run
	case len(k.opts) > 0:
		k.state.run = new(run)
	default:
		return ctx, nil
	}
	r := k.state.run
	if len(k.opts) > 0 {
		for _, o := range k.opts {
			o(&r.cc)
		}
		if r.cc.err != nil {
			return ctx, r.cc.err
		}
		if r.cc.secret != "" {
			k.state.hidden = append(k.state.hidden, r.cc.secret)
		}
	}
	if ob != nil {
		var ok bool
		if ctx, ok = c.startCall(ctx, k, ob); ok {
			r.obs = ob
		}
	}
	return ctx, nil
}

// end reports k's run with the outcome the caller gets, out or err, and
// returns err, its Attempts counting every request of the call.
func (c *Client) end(k *call, out result, err error) error {
	r := k.state.run
	if r == nil {
		return err // a plain call: its error counts its attempts already
	}
	if e, ok := err.(*APIError); ok {
		e.Attempts = int(r.requests)
	}
	if err == nil {
		if r.cc.noRaw {
			out.envelope().Raw = nil
		}
		if r.cc.response != nil {
			*r.cc.response = Response{HTTPStatus: r.status, RequestID: k.state.scrub(requestID(r.header)), Attempts: int(r.requests), ReadBacks: int(r.readBacks)}
		}
	}
	if r.obs != nil {
		r.obs.endCall(r, out, err)
	}
	return err
}

// do sends k, a call of one request, and decodes the answer into k.out.
func (c *Client) do(ctx context.Context, k *call) error {
	return c.doSettled(ctx, k, 0)
}

// doSettled is do for a write whose resend, after an attempt that may
// have been processed, meets code done (1011 for a cancel) when the first
// attempt did its work: the call then succeeds.
func (c *Client) doSettled(ctx context.Context, k *call, done int) error {
	ctx, err := c.begin(ctx, k)
	if err != nil {
		return err
	}
	err = c.send(ctx, k)
	if done != 0 && retriedInto(k, err, done) {
		err = nil
	}
	if err != nil {
		return c.end(k, nil, err)
	}
	return c.end(k, k.out, nil)
}

// sendPart sends part, a request made for parent's call, within its run.
func (c *Client) sendPart(ctx context.Context, parent, part *call, name string) error {
	r := parent.state.run
	if r == nil {
		// A plain call becomes one of parts: its requests so far count.
		r = &run{requests: int32(parent.state.attempts)}
		parent.state.run = r
	}
	part.state.run, part.state.op, part.state.client = r, part.op, c
	part.state.hidden, part.state.email = parent.state.hidden, parent.state.email
	r.part = name
	if r.obs != nil {
		r.obs.startPart(c.callInfo(part))
	}
	err := c.send(ctx, part)
	r.part = ""
	if r.obs != nil {
		r.obs.endPart()
	}
	return err
}
