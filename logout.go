package nexway

import (
	"context"
	"net/http"
)

// Logout invalidates the client's access token at Nexway's IAM (DELETE
// <token URL>/invalidate, with the token in its Authorization header, as
// Nexway's IAM specification has it) and forgets the cached tokens, so
// that the next call authenticates again. It does nothing for a client
// without credentials, or without a token yet. The tokens are forgotten
// whatever happens; the error says whether IAM confirmed: an answer of 200
// or 204, or 401 (the token was no longer valid), is success; another
// status fails with its sentinel (ErrForbidden, ErrNotFound,
// ErrUnavailable, ...), and a transport failure with ErrUnavailable. A call
// in flight on another goroutine may still use the old token.
func (c *Client) Logout(ctx context.Context) error {
	if c.tokens == nil {
		return nil
	}
	tok := c.tokens.drop()
	if tok == "" {
		return nil
	}
	k := &call{op: opLogout, method: http.MethodDelete, path: "iam/tokens/invalidate"}
	ctx = context.WithValue(ctx, stateKey{}, &k.state)
	k.state.op, k.state.client = k.op, c
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, c.tokens.url+"/invalidate", nil)
	if err != nil {
		return c.apiError(k, nil, code{"invalid token URL", ErrInvalidArgument}, 0, "", err)
	}
	req.Header["Authorization"] = []string{"Bearer " + tok}
	req.Header["User-Agent"] = c.userAgent
	resp, err := c.tokens.hc.Do(req)
	if err != nil {
		return c.apiError(k, nil, code{"request failed", ErrUnavailable}, 0, "", err)
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent, http.StatusUnauthorized:
		return nil
	}
	return c.apiError(k, resp, statusCode(resp.StatusCode), 0, "", nil)
}

// opLogout is IAM's invalidate: not a Connect operation, but its failures
// are reported the same way.
var opLogout = &operation{name: "Logout"}
