package nexwayotel

import (
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// The metrics, each with nexway.operation.
const (
	// MetricCallDuration is a histogram of the calls' durations, in seconds
	// ("s"), from the call's start to its end, retries and their waits
	// included, with nexway.outcome.
	MetricCallDuration = "nexway.client.call.duration"
	// MetricAttempts counts the requests sent ("{attempt}"), with
	// nexway.retry (whether another followed) and http.response.status_code
	// when an answer came: attempts over calls is the retry rate.
	MetricAttempts = "nexway.client.attempts"
	// MetricErrors counts the calls that failed ("{error}"), with
	// error.type: the sentinel the error matches ("not_found",
	// "ambiguous", "unavailable", ...), or "timeout", "canceled",
	// "connection", "_OTHER".
	MetricErrors = "nexway.client.errors"
)

// durationBuckets are the semantic conventions' boundaries for HTTP
// durations, in seconds, and two more: a call that waits out a Retry-After
// of Nexway's can last up to half a minute per retry.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60}

type instruments struct {
	callDuration metric.Float64Histogram
	attempts     metric.Int64Counter
	errors       metric.Int64Counter
}

func newInstruments(m metric.Meter) (instruments, error) {
	var in instruments
	var errs [3]error
	in.callDuration, errs[0] = m.Float64Histogram(MetricCallDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of Nexway calls, retries included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	in.attempts, errs[1] = m.Int64Counter(MetricAttempts, metric.WithUnit("{attempt}"),
		metric.WithDescription("Requests sent to Nexway, retries included."))
	in.errors, errs[2] = m.Int64Counter(MetricErrors, metric.WithUnit("{error}"),
		metric.WithDescription("Nexway calls that failed, by kind of error."))
	return in, errors.Join(errs[:]...)
}

// opValue keys the attributes of a call's metrics: its operation and its
// outcome or error kind.
type opValue struct{ op, value string }

// attemptKey keys the attributes of an attempt's count.
type attemptKey struct {
	op     string
	retry  bool
	status int
}

func durationOptions(k opValue) []metric.RecordOption {
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(AttrOperation.String(k.op), AttrOutcome.String(k.value)))}
}

func errorOptions(k opValue) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(AttrOperation.String(k.op), semconv.ErrorTypeKey.String(k.value)))}
}

func attemptOptions(k attemptKey) []metric.AddOption {
	kvs := []attribute.KeyValue{AttrOperation.String(k.op), AttrRetry.Bool(k.retry)}
	if k.status > 0 {
		kvs = append(kvs, semconv.HTTPResponseStatusCode(k.status))
	}
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
}
