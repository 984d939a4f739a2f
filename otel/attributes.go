package nexwayotel

import (
	"net"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Attributes of this package's own, beside the HTTP client semantic
// conventions (http.request.method, server.address, server.port,
// url.template, http.response.status_code, http.request.resend_count,
// error.type).
const (
	// AttrOperation is the Nexway operation ("CreateOrder", or a
	// RawRequest's Name), on calls, attempts and every metric.
	AttrOperation = attribute.Key("nexway.operation")
	// AttrResponseCode is Nexway's responseCode: on a 2xx answer (0 is
	// success) and on any answer that carried a non-zero one.
	AttrResponseCode = attribute.Key("nexway.response_code")
	// AttrAttempt counts an attempt of its call from 1.
	AttrAttempt = attribute.Key("nexway.attempt")
	// AttrAttempts is the number of requests a call sent, those of its
	// parts included.
	AttrAttempts = attribute.Key("nexway.attempts")
	// AttrPart names the part of its call an attempt belongs to when it is
	// not the call's own request: nexway.PartReadBack ("read-back", a
	// create's read of the order) or nexway.PartRead ("read", an
	// extension's read of the window). The attempt's operation, method and
	// url.template are then the part's ("GetOrder").
	AttrPart = attribute.Key("nexway.part")
	// AttrReadBacks is how many of a call's attempts were its parts'.
	AttrReadBacks = attribute.Key("nexway.read_backs")
	// AttrRetry says whether the client sends the request again after the
	// attempt.
	AttrRetry = attribute.Key("nexway.retry")
	// AttrRetryReason says why the client sends again or does not ("HTTP
	// 503", "connection failed", "attempts exhausted; last: HTTP 503", ...):
	// a short phrase of the client's, never text from the server.
	AttrRetryReason = attribute.Key("nexway.retry.reason")
	// AttrMaybeProcessed says that Nexway may have processed the attempt
	// without an answer that settles it.
	AttrMaybeProcessed = attribute.Key("nexway.maybe_processed")
	// AttrAmbiguous says that a call's outcome is unknown: it matches
	// nexway.ErrAmbiguous.
	AttrAmbiguous = attribute.Key("nexway.ambiguous")
	// AttrOutcome is how a call ended: "ok", "error" or "ambiguous".
	AttrOutcome = attribute.Key("nexway.outcome")
)

// Values of AttrOutcome.
const (
	OutcomeOK        = "ok"
	OutcomeError     = "error"
	OutcomeAmbiguous = "ambiguous"
)

// serverAttrs gives server.address and server.port for a host as the
// client reports it ("api.nexway.store", "127.0.0.1:8642", "[::1]:8642"),
// the port being the scheme's default when the host names none, and
// url.scheme.
func serverAttrs(scheme, host string) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, 3)
	if scheme != "" {
		out = append(out, semconv.URLScheme(scheme))
	}
	h, p, err := net.SplitHostPort(host)
	if err != nil {
		h, p = strings.Trim(host, "[]"), map[string]string{"https": "443", "http": "80"}[scheme]
	}
	out = append(out, semconv.ServerAddress(h))
	if n, err := strconv.Atoi(p); err == nil && n > 0 && n <= 65535 {
		out = append(out, semconv.ServerPort(n))
	}
	return out
}

// method gives http.request.method, with http.request.method_original when
// the method is not one of HTTP's own (then "_OTHER"), and the name the
// semantic conventions give such a request's span.
func method(m string) (attrs []attribute.KeyValue, spanName string) {
	var kv attribute.KeyValue
	switch m {
	case "GET":
		kv = semconv.HTTPRequestMethodGet
	case "POST":
		kv = semconv.HTTPRequestMethodPost
	case "PUT":
		kv = semconv.HTTPRequestMethodPut
	case "DELETE":
		kv = semconv.HTTPRequestMethodDelete
	case "PATCH":
		kv = semconv.HTTPRequestMethodPatch
	case "HEAD":
		kv = semconv.HTTPRequestMethodHead
	case "OPTIONS":
		kv = semconv.HTTPRequestMethodOptions
	case "CONNECT":
		kv = semconv.HTTPRequestMethodConnect
	case "TRACE":
		kv = semconv.HTTPRequestMethodTrace
	default:
		return []attribute.KeyValue{semconv.HTTPRequestMethodOther, semconv.HTTPRequestMethodOriginal(m)}, "HTTP"
	}
	return []attribute.KeyValue{kv}, m
}
