package nexwayotel

import (
	"context"
	"errors"
	"strconv"

	"github.com/nexway-go/nexway"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans and metrics.
const ScopeName = "github.com/nexway-go/nexway/otel"

// Observer is a nexway.Observer that makes OpenTelemetry spans and metrics
// of a client's calls. It is safe for concurrent use and may be shared by
// several clients.
type Observer struct {
	tracer trace.Tracer
	inst   instruments

	shapes    cache[shapeKey, shape]
	durations cache[opValue, []metric.RecordOption]
	errs      cache[opValue, []metric.AddOption]
	attempts  cache[attemptKey, []metric.AddOption]
}

var _ nexway.Observer = (*Observer)(nil)

// NewObserver returns an Observer on the global tracer and meter providers
// (otel.GetTracerProvider, otel.GetMeterProvider), or on those of
// WithTracerProvider and WithMeterProvider. It fails on a nil provider, or
// when the meter provider refuses to create an instrument.
func NewObserver(opts ...Option) (*Observer, error) {
	var cfg config
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.tp == nil {
		cfg.tp = otel.GetTracerProvider()
	}
	if cfg.mp == nil {
		cfg.mp = otel.GetMeterProvider()
	}
	o := &Observer{tracer: cfg.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(nexway.Version),
		trace.WithSchemaURL(semconv.SchemaURL))}
	var err error
	o.inst, err = newInstruments(cfg.mp.Meter(ScopeName, metric.WithInstrumentationVersion(nexway.Version),
		metric.WithSchemaURL(semconv.SchemaURL)))
	if err != nil {
		return nil, errors.Join(errors.New("nexwayotel: creating the metrics"), err)
	}
	return o, nil
}

// shapeKey is what a call's or an attempt's span is named and attributed
// after when it starts; attempt is 0 for the call.
type shapeKey struct {
	op, method, scheme, host, tmpl, part string
	attempt                              int
}

// shape holds the name of a call's or an attempt's span and the options it
// starts with.
type shape struct {
	name  string
	start []trace.SpanStartOption
}

var clientKind = trace.WithSpanKind(trace.SpanKindClient)

func newShape(k shapeKey) shape {
	attrs, name := requestAttrs(k)
	switch {
	case k.attempt == 0:
		name = "nexway " + k.op
	case k.tmpl != "":
		name += " " + k.tmpl
	}
	return shape{name: name, start: []trace.SpanStartOption{clientKind, trace.WithAttributes(attrs...)}}
}

func (o *Observer) start(ctx context.Context, c nexway.CallInfo, part string, attempt int) context.Context {
	s := o.shapes.get(shapeKey{c.Operation, c.Method, c.Scheme, c.Host, c.Route, part, attempt}, newShape)
	ctx, _ = o.tracer.Start(ctx, s.name, s.start...)
	return ctx
}

// requestAttrs are the attributes of a call or attempt known before it is
// sent, and the span name its method gives.
func requestAttrs(k shapeKey) ([]attribute.KeyValue, string) {
	m, name := method(k.method)
	attrs := make([]attribute.KeyValue, 0, len(m)+6)
	attrs = append(attrs, AttrOperation.String(k.op))
	attrs = append(attrs, m...)
	attrs = append(attrs, serverAttrs(k.scheme, k.host)...)
	if k.tmpl != "" {
		attrs = append(attrs, semconv.URLTemplate(k.tmpl))
	}
	if k.attempt > 0 {
		attrs = append(attrs, AttrAttempt.Int(k.attempt))
	}
	if k.part != "" {
		// A part's request is another request than the call's: the
		// call's attempt number does not count its resends.
		attrs = append(attrs, AttrPart.String(k.part))
	} else if k.attempt > 1 {
		attrs = append(attrs, semconv.HTTPRequestResendCount(k.attempt-1))
	}
	return attrs[:len(attrs):len(attrs)], name
}

// StartCall starts the call's span, "nexway <Operation>", of kind Client.
func (o *Observer) StartCall(ctx context.Context, c nexway.CallInfo) context.Context {
	return o.start(ctx, c, "", 0)
}

// StartAttempt starts the attempt's span, a child of the call's, named as
// the HTTP semantic conventions name a client request: "POST
// /connect/order/new", or the method alone for a path it does not know. An
// attempt of a part of the call (a create's read-back) is named and
// attributed after the part's request, with nexway.part.
func (o *Observer) StartAttempt(ctx context.Context, a nexway.AttemptInfo) context.Context {
	return o.start(ctx, a.CallInfo, a.Part, max(a.Attempt, 1))
}

// EndAttempt ends the attempt's span, with what it met and the retry
// decision, and counts the attempt. Its status is Error on a 4xx or 5xx
// answer (no description: the status code says it) and when no answer came
// (the client's scrubbed error as description).
func (o *Observer) EndAttempt(ctx context.Context, a nexway.AttemptInfo, r nexway.AttemptResult) {
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 6)
		attrs = append(attrs, AttrRetry.Bool(r.Retry), AttrRetryReason.String(r.RetryReason), AttrMaybeProcessed.Bool(r.MaybeProcessed))
		attrs = appendAnswer(attrs, r.HTTPStatus, r.ResponseCode)
		switch {
		case r.Err != nil:
			attrs = append(attrs, semconv.ErrorTypeKey.String(errorKind(r.Err)))
			span.SetStatus(codes.Error, r.Err.Error())
		case r.HTTPStatus >= 400:
			attrs = append(attrs, semconv.ErrorTypeKey.String(strconv.Itoa(r.HTTPStatus)))
			span.SetStatus(codes.Error, "")
		}
		span.SetAttributes(attrs...)
	}
	span.End()
	o.inst.attempts.Add(ctx, 1, o.attempts.get(attemptKey{a.Operation, r.Retry, r.HTTPStatus}, attemptOptions)...)
}

// EndCall ends the call's span, with the last answer, the attempts and
// whether the outcome is unknown, and records the call's duration and its
// error. Its status is Error when the call failed, with the client's
// scrubbed error as description.
func (o *Observer) EndCall(ctx context.Context, c nexway.CallInfo, r nexway.CallResult) {
	outcome, kind := OutcomeOK, ""
	if r.Err != nil {
		outcome, kind = OutcomeError, errorKind(r.Err)
		if r.Ambiguous {
			outcome = OutcomeAmbiguous
		}
	}
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 6)
		attrs = append(attrs, AttrAttempts.Int(r.Attempts), AttrAmbiguous.Bool(r.Ambiguous), AttrOutcome.String(outcome))
		if r.ReadBacks > 0 {
			attrs = append(attrs, AttrReadBacks.Int(r.ReadBacks))
		}
		attrs = appendAnswer(attrs, r.HTTPStatus, r.ResponseCode)
		if r.Err != nil {
			attrs = append(attrs, semconv.ErrorTypeKey.String(kind))
			span.SetStatus(codes.Error, r.Err.Error())
		}
		span.SetAttributes(attrs...)
	}
	span.End()
	o.inst.callDuration.Record(ctx, r.Duration.Seconds(), o.durations.get(opValue{c.Operation, outcome}, durationOptions)...)
	if r.Err != nil {
		o.inst.errors.Add(ctx, 1, o.errs.get(opValue{c.Operation, kind}, errorOptions)...)
	}
}

// appendAnswer adds the HTTP status of an answer and Nexway's code when
// the answer carries one: any 2xx, whose code 0 is success, or a non-zero
// code on another status.
func appendAnswer(attrs []attribute.KeyValue, status, code int) []attribute.KeyValue {
	if status > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(status))
	}
	if code != 0 || (status >= 200 && status < 300) {
		attrs = append(attrs, AttrResponseCode.Int(code))
	}
	return attrs
}
