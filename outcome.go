package nexway

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
)

// A write's outcome is decided by one question: could Nexway have processed
// the request? An attempt that never left cannot have been processed; one
// that may have been written can, unless its answer says it was refused.
// settle asks that question after every attempt, and a call whose attempts
// leave it open reports ErrAmbiguous instead of a definite failure.

// sendTrace records how far an attempt got, from httptrace events. The
// events come from the transport's goroutines, hence the atomics.
type sendTrace struct {
	hooks    httptrace.ClientTrace // in the same allocation
	getConn  atomic.Bool           // the transport started to look for a connection
	gotConn  atomic.Bool           // it has one: the request may be written from now on
	writeErr atomic.Bool           // the last write of the request failed: it was not all sent
}

func newSendTrace() *sendTrace {
	t := new(sendTrace)
	t.hooks = httptrace.ClientTrace{
		GetConn: func(string) { t.getConn.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { t.gotConn.Store(true) },
		// The transport may write again on a new connection after a
		// failed write: the last write counts.
		WroteRequest: func(i httptrace.WroteRequestInfo) { t.writeErr.Store(i.Err != nil) },
	}
	return t
}

// settle records what an attempt's outcome says about the call, and turns
// an error of an attempt that never left into a *notSentError.
func (st *callState) settle(resp *http.Response, err error, trace *sendTrace) error {
	if err != nil {
		if ns := notSent(err, trace); ns != nil {
			return ns
		}
		st.maybeProcessed = true
		return err
	}
	if !answered(resp.StatusCode) {
		st.maybeProcessed = true
	}
	return nil
}

// answered reports whether a status is an answer that settles whether the
// request was processed: a 2xx, whose body then decides (Client.decode), or
// a refusal. Anything else, a 5xx, a status no standard defines (520, 524,
// 599), a redirect, may come from a gateway after Nexway processed the
// request.
func answered(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
		http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestTimeout,
		http.StatusLengthRequired, http.StatusRequestEntityTooLarge,
		http.StatusRequestURITooLong, http.StatusUnsupportedMediaType,
		http.StatusMisdirectedRequest, http.StatusTooManyRequests,
		http.StatusRequestHeaderFieldsTooLarge:
		return true
	}
	return status >= 200 && status <= 299
}

// notSent returns err as a *notSentError when the request cannot have
// reached Nexway, or nil when it may have.
//
// With net/http's transport the trace tells: no connection, or a write that
// failed, means nothing was processed. A transport that reports no trace
// events is judged by its error alone, and only errors that cannot come
// after sending (a failed dial or DNS lookup, an untrusted certificate, a
// request net/http refuses to write) count as not sent.
func notSent(err error, trace *sendTrace) *notSentError {
	var ns *notSentError
	if errors.As(err, &ns) {
		return ns
	}
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &certErr):
		return &notSentError{err: err} // a resend meets the same certificate
	case refusedLocally(err):
		return &notSentError{err: err}
	case trace != nil && trace.getConn.Load():
		if !trace.gotConn.Load() || trace.writeErr.Load() {
			return &notSentError{err: err, retry: true}
		}
		return nil
	case dialFailure(err):
		return &notSentError{err: err, retry: true}
	}
	return nil
}

// dialFailure reports a failure to connect or to resolve the host.
func dialFailure(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// refusedLocally reports an error net/http returns for a request it will
// not write. Its type is unexported, so the text is all there is; the
// client validates its headers up front, so this is a second line.
func refusedLocally(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "net/http: invalid header field") ||
		strings.Contains(msg, "net/http: invalid method") ||
		strings.Contains(msg, "unsupported protocol scheme")
}
