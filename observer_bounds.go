package nexway

import (
	"context"
	"errors"
)

// An Observer cannot change a call: it is given copies of errors, and the
// contexts its hooks return lend the call their values, never their limits.

// observedErr gives an Observer its own copy of err: a hook that writes
// into what it was given cannot change the caller's error.
func observedErr(err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *APIError:
		cp := *e
		cp.Err = observedErr(e.Err)
		return &cp
	case *ArgumentError:
		cp := *e
		return &cp
	}
	return &errorCopy{msg: err.Error(), orig: err}
}

// errorCopy is an error's text and what it matches, without a way back
// to the error itself.
type errorCopy struct {
	msg  string
	orig error
}

func (e *errorCopy) Error() string { return e.msg }

// Is matches what the original matches.
func (e *errorCopy) Is(target error) bool { return errors.Is(e.orig, target) }

// Timeout reports whether the original was a timeout.
func (e *errorCopy) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.orig, &t) && t.Timeout()
}

// hookContext is a context an Observer's hook returned, used for its
// values only: the caller's deadline and cancellation bound the call
// whatever the hook returned.
type hookContext struct {
	context.Context // the caller's
	values          context.Context
}

// Value looks in the hook's context first, so that a span it started is
// the request's, then in the caller's.
func (h *hookContext) Value(key any) any {
	if v := h.values.Value(key); v != nil {
		return v
	}
	return h.Context.Value(key)
}

// bounded returns the context a request runs on after a hook returned
// hook: hook itself when it keeps caller's limits (a context derived with
// values only), otherwise hook's values under caller's limits.
func bounded(hook, caller context.Context) context.Context {
	if hook == nil || hook == caller {
		return caller
	}
	if hook.Done() == caller.Done() && hook.Err() == caller.Err() {
		hd, hok := hook.Deadline()
		cd, cok := caller.Deadline()
		if hok == cok && hd.Equal(cd) {
			return hook
		}
	}
	return &hookContext{Context: caller, values: hook}
}
