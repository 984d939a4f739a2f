package nexwayotel

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/nexway-go/nexway"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// kinds names each sentinel of package nexway, for error.type: a stable,
// low-cardinality name that does not change with the message. An error
// matching ErrAmbiguous matches no other sentinel, so the order matters
// only for errors of other packages.
var kinds = []struct {
	err  error
	name string
}{
	{nexway.ErrAmbiguous, "ambiguous"},
	{nexway.ErrInvalidArgument, "invalid_argument"},
	{nexway.ErrValidation, "validation"},
	{nexway.ErrNotFound, "not_found"},
	{nexway.ErrOutOfStock, "out_of_stock"},
	{nexway.ErrDuplicateOrder, "duplicate_order"},
	{nexway.ErrAlreadyCancelled, "already_cancelled"},
	{nexway.ErrCancelNotAllowed, "cancel_not_allowed"},
	{nexway.ErrPending, "pending"},
	{nexway.ErrOrderRejected, "order_rejected"},
	{nexway.ErrInvalidSecret, "invalid_secret"},
	{nexway.ErrUnauthorized, "unauthorized"},
	{nexway.ErrForbidden, "forbidden"},
	{nexway.ErrRateLimited, "rate_limited"},
	{nexway.ErrUnavailable, "unavailable"},
	{nexway.ErrInvalidResponse, "invalid_response"},
}

// Kinds of failure that match no sentinel.
const (
	kindTimeout    = "timeout"    // the context's deadline, or an attempt's timeout
	kindCanceled   = "canceled"   // the context was cancelled
	kindConnection = "connection" // the network failed under the attempt
)

// errorKind gives the error.type of an error: the name of the sentinel it
// matches, else "timeout", "canceled" or "connection", else "_OTHER".
func errorKind(err error) string {
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return kindTimeout
	case errors.Is(err, context.Canceled):
		return kindCanceled
	case errors.As(err, &ne):
		if ne.Timeout() {
			return kindTimeout
		}
		return kindConnection
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return kindConnection
	}
	return semconv.ErrorTypeOther.Value.AsString()
}
