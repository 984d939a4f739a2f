package nexway

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryPolicy says how the client retries a failed attempt. Whether an
// attempt may be retried at all is decided per operation, not per HTTP
// method: a request that never left, and a 429, are retried for every
// operation; a timeout, a dropped connection or a 5xx, which may have been
// processed, only for operations where a repeat is harmless or recognised
// (all but renewing a subscription); and an answer with one of Nexway's
// internal-error codes (1000, 1052, 1065) only for reads.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt; 0 sends
	// every request once.
	MaxRetries int
	// MinWait and MaxWait bound the exponential backoff between attempts,
	// which is jittered so that clients do not retry in step.
	MinWait, MaxWait time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for. A
	// longer one ends the call with ErrRateLimited and APIError.RetryAfter.
	MaxRetryAfter time.Duration
}

// DefaultRetryPolicy is the policy of a new Client: 3 retries, waits from
// 500 ms to 8 s, and Retry-After honoured up to 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 3, MinWait: 500 * time.Millisecond, MaxWait: 8 * time.Second, MaxRetryAfter: 30 * time.Second}
}

func (p RetryPolicy) validate() error {
	if p.MaxRetries < 0 || p.MinWait < 0 || p.MaxWait < p.MinWait || p.MaxRetryAfter < 0 {
		return invalid("WithRetryPolicy", "needs MaxRetries >= 0, 0 <= MinWait <= MaxWait and MaxRetryAfter >= 0")
	}
	return nil
}

// checkRetry is retryablehttp's CheckRetry. Whether an attempt may have
// been processed was recorded by callState.settle; this decides only
// whether to send again, and tells the call's Observer.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateOf(ctx)
	retry, reason := c.shouldRetry(ctx, st, resp, err)
	if st.run != nil && st.run.obs != nil {
		st.run.obs.sends++
		if retry && int(st.run.obs.sends) > c.retryPolicy.MaxRetries {
			retry, reason = false, "attempts exhausted; last: "+reason
		}
		st.run.obs.decide(retry, reason)
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return retry, nil
}

// shouldRetry decides whether to send again, and says why.
func (c *Client) shouldRetry(ctx context.Context, st *callState, resp *http.Response, err error) (bool, string) {
	if ctx.Err() != nil {
		return false, "call ended"
	}
	if err != nil {
		var ns *notSentError
		switch {
		case errors.As(err, &ns) && ns.retry:
			return true, "not sent"
		case errors.As(err, &ns):
			return false, "not sent; a resend cannot help"
		case !retryableTransportError(err):
			return false, "a resend meets the same answer"
		case !st.op.retryAmbiguous:
			return false, "may have been processed; not resent"
		}
		return true, "no answer"
	}
	switch status := resp.StatusCode; {
	case status == http.StatusTooManyRequests:
		// A refused request was not processed: safe to resend.
		wait, _ := retryAfter(resp)
		if wait > c.retryPolicy.MaxRetryAfter {
			return false, "HTTP 429, Retry-After too long"
		}
		return true, "HTTP 429"
	case status == http.StatusRequestTimeout:
		return true, "HTTP 408" // the server did not get the whole request
	case status == http.StatusNotImplemented || status == http.StatusHTTPVersionNotSupported:
		return false, "HTTP " + strconv.Itoa(status) + ": a resend meets the same answer"
	case status >= 500:
		// A status no standard defines (520, 599, 999) is a gateway's too.
		if wait, ok := retryAfter(resp); ok && wait > c.retryPolicy.MaxRetryAfter {
			return false, "HTTP " + strconv.Itoa(status) + ", Retry-After too long"
		}
		if !st.op.retryAmbiguous {
			return false, "HTTP " + strconv.Itoa(status) + ": may have been processed; not resent"
		}
		return true, "HTTP " + strconv.Itoa(status)
	case status >= 200 && status <= 299 && !st.op.mutates && st.op.retryAmbiguous:
		// Nexway's internal errors are possibly transient, and a read is
		// safe to resend; a write's answer stays the answer.
		if b, ok := resp.Body.(*bufferedBody); ok {
			if mayHoldInternalCode(b.data) {
				if rc := codeIn(b.data); st.op.transient(rc) {
					return true, "code " + strconv.Itoa(rc) + ": internal error"
				}
			}
		}
	}
	return false, "answered"
}

// mayHoldInternalCode spares a healthy answer a second decode: an answer
// that contains neither the digits of an internal-error code, nor a
// number with an exponent (1E3), nor an escape (\u0031000) has none.
func mayHoldInternalCode(data []byte) bool {
	if bytes.Contains(data, []byte("1000")) || bytes.Contains(data, []byte("1052")) || bytes.Contains(data, []byte("1065")) {
		return true
	}
	for i := 1; i < len(data); i++ {
		if (data[i] == 'e' || data[i] == 'E') && isDigit(data[i-1]) {
			return true
		}
	}
	return bytes.Contains(data, []byte(`\u`))
}

// retryableTransportError rules out failures a resend cannot fix: an
// untrusted certificate, a body over the size cap or in an encoding the
// client cannot read.
func retryableTransportError(err error) bool {
	var certErr *tls.CertificateVerificationError
	return !errors.Is(err, errBody) && !errors.As(err, &certErr)
}

// backoff is retryablehttp's Backoff: Retry-After when the server gave one
// (checkRetry already refused those above the cap), else exponential with
// jitter in [d/2, d].
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := retryAfter(resp); ok {
			return wait
		}
	}
	d := maxWait
	if attempt < 32 && minWait<<attempt > 0 && minWait<<attempt < maxWait {
		d = minWait << attempt
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// retryAfter reads the Retry-After of a 429 or 503, in seconds or as an HTTP
// date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	s, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) && v[0] != '-' {
		s, err = math.MaxInt64, nil // seconds beyond counting: capped below
	}
	if err == nil {
		if s < 0 {
			return 0, true
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// errorHandler is retryablehttp's ErrorHandler: it hands back the last
// response, so that the status and body of a failure that exhausted its
// retries are mapped like any other, instead of being lost.
func errorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if resp != nil {
		return resp, nil
	}
	return nil, err
}

func (c *Client) newRetryClient(cfg *config) *retryablehttp.Client {
	c.retryPolicy = cfg.retry
	return &retryablehttp.Client{
		HTTPClient:   c.hc,
		RetryMax:     cfg.retry.MaxRetries,
		RetryWaitMin: cfg.retry.MinWait,
		RetryWaitMax: cfg.retry.MaxWait,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: errorHandler,
	}
}
