package nexwayriver

import (
	"encoding/json"
	"fmt"
)

// River retries a job whose arguments do not decode as it retries any
// failure, and a retry reads the same row: up to the job's MaxAttempts
// (weeks for the order jobs) for nothing. So the back office's jobs decode
// their arguments without failing and keep what went wrong; the worker
// then ends the job at once, an order job with OnFailure, the others
// cancelled with ErrMalformedJob, which River keeps on the job for an
// operator to see.

// malformed is embedded in a job's arguments to hold why they could not
// be read; it is not encoded.
type malformed struct{ problem error }

// decodeArgs decodes b into v, a job's arguments as a type without their
// UnmarshalJSON, and returns the failure as an error matching
// ErrMalformedJob, or nil. It does not touch the malformed field.
func decodeArgs(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedJob, err)
	}
	return nil
}
