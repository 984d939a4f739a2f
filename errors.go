package nexway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors, matched with errors.Is. A failure reported by Nexway or by
// the transport is an *APIError, which matches the sentinel its operation's
// code table gives (the same response code means different things in
// different operations), plus ErrAmbiguous when the outcome is unknown.
var (
	// ErrInvalidArgument: an argument failed validation before anything was
	// sent. The error is an *ArgumentError naming the field.
	ErrInvalidArgument = errors.New("nexway: invalid argument")
	// ErrValidation: Nexway refused the request's content (a missing or
	// invalid field, an unknown product, currency, language or country).
	ErrValidation = errors.New("nexway: request refused by validation")
	// ErrNotFound: the order, product or subscription does not exist.
	ErrNotFound = errors.New("nexway: not found")
	// ErrOutOfStock: no license is available now for a product of the order.
	// Retrying later may succeed.
	ErrOutOfStock = errors.New("nexway: out of stock")
	// ErrDuplicateOrder: an order with this partnerOrderNumber already exists
	// and it was not created by an earlier attempt of the same call.
	ErrDuplicateOrder = errors.New("nexway: duplicate order")
	// ErrAlreadyCancelled: the order or subscription was already cancelled.
	ErrAlreadyCancelled = errors.New("nexway: already cancelled")
	// ErrCancelNotAllowed: the cancel period has expired or the order may
	// not be cancelled.
	ErrCancelNotAllowed = errors.New("nexway: cancel not allowed")
	// ErrPending: the order exists but waits for payment or fraud
	// validation; read it again later (OrdersService.AwaitDelivery).
	ErrPending = errors.New("nexway: order pending validation")
	// ErrOrderRejected: Nexway cancelled the order for fraud suspicion or an
	// unvalidated payment. It will not be delivered.
	ErrOrderRejected = errors.New("nexway: order rejected")
	// ErrInvalidSecret: the secret header is missing or not valid for this
	// point of sale.
	ErrInvalidSecret = errors.New("nexway: invalid secret")
	// ErrUnauthorized: no valid token could be obtained, or Nexway refused it.
	ErrUnauthorized = errors.New("nexway: unauthorized")
	// ErrForbidden: the credentials do not allow this call (HTTP 403).
	ErrForbidden = errors.New("nexway: forbidden")
	// ErrRateLimited: Nexway asked to slow down (HTTP 429) for longer than
	// the retry policy waits; APIError.RetryAfter says how long.
	ErrRateLimited = errors.New("nexway: rate limited")
	// ErrUnavailable: Nexway failed internally or could not be reached.
	ErrUnavailable = errors.New("nexway: service unavailable")
	// ErrInvalidResponse: the answer was not a Nexway answer: malformed or
	// wrongly shaped JSON, an HTML page, too large, or a redirect.
	ErrInvalidResponse = errors.New("nexway: invalid response")
	// ErrAmbiguous: a call that changes state (create, cancel, extend,
	// subscription cancel and renew) failed after a request that Nexway may
	// have processed, so its effect is unknown. Such an error matches no
	// other sentinel; its ResponseCode, HTTPStatus and Err say what the last
	// attempt met. Read the state (OrdersService.Get, DownloadsService.Info,
	// SubscriptionsService.Status) before doing it again.
	ErrAmbiguous = errors.New("nexway: outcome unknown")
)

// sentinels lists the package's sentinels: an APIError matches at most one,
// through its kind or ErrAmbiguous, never through a wrapped error.
var sentinels = []error{
	ErrInvalidArgument, ErrValidation, ErrNotFound, ErrOutOfStock, ErrDuplicateOrder,
	ErrAlreadyCancelled, ErrCancelNotAllowed, ErrPending, ErrOrderRejected, ErrInvalidSecret,
	ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrUnavailable, ErrInvalidResponse, ErrAmbiguous,
}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// APIError describes a call that failed after it reached the network: Nexway
// answered with an error, or the transport failed. It carries no secret,
// token or customer data; messages from the server are scrubbed of them.
type APIError struct {
	// Operation is the Nexway operation, e.g. "CreateOrder".
	Operation string
	// Method and Path locate the request ("POST", "/connect/order/new").
	Method, Path string
	// HTTPStatus is 0 when no response arrived.
	HTTPStatus int
	// ResponseCode and ResponseMessage are Nexway's, when the body had them.
	ResponseCode    int
	ResponseMessage string
	// Meaning is what the code (or the HTTP status) means for this
	// operation, from the reference tables.
	Meaning string
	// RequestID is the server's request id header, when present.
	RequestID string
	// Attempts is how many requests the call sent, retries and the
	// requests of its parts included (see Response.Attempts).
	Attempts int
	// RetryAfter is the wait Nexway asked for with a 429 or 503.
	RetryAfter time.Duration
	// Err is the transport or context error when no usable response came.
	Err error

	kind      error // sentinel from the code table or HTTP status
	ambiguous bool
	readBack  string // why Create's read-back of an ambiguous order failed
	partial   bool   // the answer's code was read, an essential value of it not: it cannot be a result
}

// Error describes the failure in one line.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("nexway: ")
	b.WriteString(e.Operation)
	if e.ambiguous {
		b.WriteString(": outcome unknown, the request may have been processed; last attempt")
	}
	if e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK {
		b.WriteString(": HTTP ")
		b.WriteString(strconv.Itoa(e.HTTPStatus))
	}
	if e.ResponseCode != 0 {
		b.WriteString(": code ")
		b.WriteString(strconv.Itoa(e.ResponseCode))
	}
	if e.Meaning != "" {
		b.WriteString(": ")
		b.WriteString(e.Meaning)
	}
	if e.ResponseMessage != "" && !strings.EqualFold(e.ResponseMessage, e.Meaning) {
		b.WriteString(" (")
		b.WriteString(e.ResponseMessage)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Attempts > 1 {
		b.WriteString(" after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts")
	}
	if e.readBack != "" {
		b.WriteString("; reading the order back: ")
		b.WriteString(e.readBack)
	}
	return b.String()
}

// Is matches the sentinel of the error's code or HTTP status, or, when the
// outcome is unknown, ErrAmbiguous alone: a code the last attempt met does
// not settle what an earlier attempt did.
func (e *APIError) Is(target error) bool {
	return target != nil && (target == e.kind || (target == ErrAmbiguous && e.ambiguous))
}

// Unwrap returns the transport or context error, so that
// errors.Is(err, context.DeadlineExceeded) holds after a timeout.
func (e *APIError) Unwrap() error { return e.Err }

// ArgumentError reports an argument refused before any request was sent.
// It matches ErrInvalidArgument.
type ArgumentError struct {
	// Field is the argument's path, e.g. "customer.email" or
	// "orderLines[1].quantity".
	Field string
	// Reason says what is wrong, without repeating the value.
	Reason string
}

// Error names the field and the reason; it never echoes the value, which
// may be personal data.
func (e *ArgumentError) Error() string {
	return "nexway: invalid argument " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidArgument.
func (e *ArgumentError) Is(target error) bool { return target == ErrInvalidArgument }

func invalid(field, reason string) error { return &ArgumentError{Field: field, Reason: reason} }
