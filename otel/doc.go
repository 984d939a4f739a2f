// Package nexwayotel makes OpenTelemetry traces and metrics of a
// nexway.Client's calls. It is a module of its own,
// github.com/nexway-go/nexway/otel, so that the client itself does not
// depend on OpenTelemetry:
//
//	obs, err := nexwayotel.NewObserver() // the global providers, or WithTracerProvider, WithMeterProvider
//	c, err := nexway.NewClient(nexway.WithObserver(obs), ...)
//
// # Spans
//
// Each call is a span "nexway <Operation>" ("nexway CreateOrder"), of kind
// Client, a child of the span in the call's context. Each request the call
// sends, retries and the resend after a token renewal included, is a child
// span of it, named and attributed as the HTTP client semantic conventions
// say: "POST /connect/order/new", with http.request.method, url.scheme,
// server.address, server.port, url.template (the client's route: order
// numbers and languages replaced by a parameter; left out for a
// RawRequest, whose route the client does not know),
// http.response.status_code, error.type and http.request.resend_count. This package adds nexway.operation,
// nexway.response_code, nexway.attempt, nexway.retry, nexway.retry.reason
// and nexway.maybe_processed on attempts, and nexway.attempts,
// nexway.ambiguous and nexway.outcome on calls (see the Attr constants).
// A call that failed has status Error, described by the client's error,
// which is scrubbed of secrets, tokens and customer e-mails as every error
// of the client is; an attempt has status Error when it met a 4xx or 5xx
// answer or none.
//
// A call is what the caller made, whatever it sends: a create whose
// attempt may have been processed reads the order back, an extension by a
// period reads the download window first, and those reads are attempt
// spans of the same call, named after their own request ("GET
// /connect/order/{partnerOrderNumber}", nexway.operation GetOrder) and
// marked nexway.part ("read-back", "read"); the call carries
// nexway.read_backs. The call's span ends as the caller's call does (an
// order found by the read-back, a cancel settled by code 1011 are
// successes).
//
// A RawRequest's Name is its operation: keep it a constant, as it names a
// span and is an attribute of every metric.
//
// # Metrics
//
// Under the nexway.client. prefix, each with nexway.operation:
// nexway.client.call.duration (histogram, seconds, with nexway.outcome),
// nexway.client.attempts (counter, with nexway.retry and
// http.response.status_code) and nexway.client.errors (counter, with
// error.type, the name of the sentinel the error matches: "not_found",
// "ambiguous", "unavailable", ...). See the Metric constants.
package nexwayotel
