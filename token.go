package nexway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tokenSource obtains JWTs from Nexway's IAM
// (https://api-doc.nexway.store/nexway-connect/reference/jwt-authentication/get-user-token): a
// client_credentials grant, then refresh_token grants until the refresh token
// expires, then client_credentials again. A token is cached until shortly
// before it expires, and one fetch is shared by every caller that needs it.
type tokenSource struct {
	url, realm, clientSecret string
	userAgent                []string
	hc                       *http.Client
	timeout                  time.Duration

	current atomic.Pointer[accessToken] // read without a lock on every call

	mu         sync.Mutex
	refresh    string
	refreshExp time.Time
	inflight   *tokenCall
	// history holds the latest tokens issued, access and refresh, so that
	// an error or log line of a call that outlived one cannot carry it out.
	// It is copied on each change and read without the lock.
	history atomic.Pointer[[]string]
}

type accessToken struct {
	value  string
	header []string  // the Authorization header value, shared and never modified
	exp    time.Time // already shortened by the safety margin
}

func (t *accessToken) valid() bool { return t != nil && time.Now().Before(t.exp) }

type tokenCall struct {
	done chan struct{}
	tok  *accessToken
	err  error
}

// Lifetimes assumed when IAM omits them or sends zero or a negative
// number, as Nexway's own client does, and the longest believed: a token
// cached for longer than IAM meant is refused, then renewed (one 401).
const (
	fallbackAccessTTL  = 240 * time.Second
	fallbackRefreshTTL = 1740 * time.Second
	maxAccessTTL       = time.Hour
	maxRefreshTTL      = 24 * time.Hour
)

// cached returns the current token if it is still valid, else nil.
func (ts *tokenSource) cached() *accessToken {
	if t := ts.current.Load(); t.valid() {
		return t
	}
	return nil
}

// token returns a valid access token, fetching one if needed.
func (ts *tokenSource) token(ctx context.Context) (*accessToken, error) {
	if t := ts.cached(); t != nil {
		return t, nil
	}
	return ts.await(ctx, ts.start(nil))
}

// renew returns a token other than stale, which the API just refused.
func (ts *tokenSource) renew(ctx context.Context, stale *accessToken) (*accessToken, error) {
	return ts.await(ctx, ts.start(stale))
}

// start joins the fetch under way or begins one. A cached token is reused
// unless it is the stale one.
func (ts *tokenSource) start(stale *accessToken) *tokenCall {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.inflight != nil {
		return ts.inflight
	}
	if t := ts.current.Load(); t.valid() && t != stale {
		c := &tokenCall{done: make(chan struct{}), tok: t}
		close(c.done)
		return c
	}
	ts.current.Store(nil)
	refresh := ""
	if time.Now().Before(ts.refreshExp) {
		refresh = ts.refresh
	}
	c := &tokenCall{done: make(chan struct{})}
	ts.inflight = c
	go ts.fetch(c, refresh)
	return c
}

func (ts *tokenSource) await(ctx context.Context, c *tokenCall) (*accessToken, error) {
	select {
	case <-c.done:
		return c.tok, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fetch runs apart from any caller's context, so that a caller giving up
// does not fail the others waiting on the same fetch.
func (ts *tokenSource) fetch(c *tokenCall, refresh string) {
	ctx, cancel := context.WithTimeout(context.Background(), ts.timeout)
	defer cancel()
	var (
		tr  *tokenResponse
		err error
	)
	if refresh != "" {
		tr, err = ts.post(ctx, tokenRequest{RealmName: ts.realm, GrantType: "refresh_token", RefreshToken: refresh})
	}
	if refresh == "" || err != nil {
		tr, err = ts.post(ctx, tokenRequest{RealmName: ts.realm, GrantType: "client_credentials", ClientSecret: ts.clientSecret})
	}
	now := time.Now()
	ts.mu.Lock()
	if err == nil {
		c.tok = &accessToken{
			value:  tr.AccessToken,
			header: []string{"Bearer " + tr.AccessToken},
			exp:    expiry(now, tr.ExpiresIn, fallbackAccessTTL, maxAccessTTL),
		}
		ts.current.Store(c.tok)
		ts.refresh = tr.RefreshToken
		ts.refreshExp = expiry(now, tr.RefreshExpiresIn, fallbackRefreshTTL, maxRefreshTTL)
		ts.remember(tr.AccessToken)
		ts.remember(tr.RefreshToken)
	}
	c.err = err
	ts.inflight = nil
	ts.mu.Unlock()
	close(c.done)
}

// drop forgets the cached tokens, so that the next call fetches new ones
// with client_credentials, and returns the access token that was current
// ("" for none). The history keeps it for scrubbing.
func (ts *tokenSource) drop() string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	tok := ts.current.Swap(nil)
	ts.refresh, ts.refreshExp = "", time.Time{}
	if tok == nil {
		return ""
	}
	return tok.value
}

// maxHeldTokens is how many tokens the history keeps.
const maxHeldTokens = 16

// remember adds a token to the history. ts.mu is held.
func (ts *tokenSource) remember(tok string) {
	if tok == "" {
		return
	}
	var old []string
	if p := ts.history.Load(); p != nil {
		old = *p
	}
	h := append(make([]string, 0, maxHeldTokens), old[max(0, len(old)-maxHeldTokens+1):]...)
	h = append(h, tok)
	ts.history.Store(&h)
}

// held returns the tokens the client holds or held lately; the slice is
// never modified.
func (ts *tokenSource) held() []string {
	if p := ts.history.Load(); p != nil {
		return *p
	}
	return nil
}

// expiry keeps a margin before the server's expiry: a quarter of the
// lifetime, at most 30 s, so short-lived test tokens stay usable. A
// lifetime that is missing, zero or negative is taken as fallback, and one
// beyond most (which could overflow a Duration) as most.
func expiry(now time.Time, seconds lifetime, fallback, most time.Duration) time.Time {
	life := fallback
	if seconds > 0 {
		life = most
		if seconds < lifetime(most/time.Second) {
			life = time.Duration(seconds) * time.Second
		}
	}
	return now.Add(life - min(30*time.Second, life/4))
}

type tokenRequest struct {
	RealmName    string `json:"realmName"`
	GrantType    string `json:"grantType"`
	ClientSecret string `json:"clientSecret,omitempty"`
	RefreshToken string `json:"refreshToken,omitempty"`
}

// tokenResponse is IAM's AccessToken, snake_case as Nexway's IAM
// specification has it; the camelCase spelling of its request is read too.
// Fields it does not know (id_token, twoFA, ...) are ignored, and it is
// decoded leniently like every answer.
type tokenResponse struct {
	AccessToken      string   `json:"access_token" alt:"accessToken"`
	ExpiresIn        lifetime `json:"expires_in" alt:"expiresIn"`
	RefreshExpiresIn lifetime `json:"refresh_expires_in" alt:"refreshExpiresIn"`
	RefreshToken     string   `json:"refresh_token" alt:"refreshToken"`
}

// errTokenAnswer is a token answer without a token the client can send.
var errTokenAnswer = errors.New("token answer holds no usable access token")

// usableToken reports whether tok can go in an Authorization header: a
// token with a space or a control character would make net/http refuse to
// send every request, or split the header.
func usableToken(tok string) bool {
	if tok == "" || len(tok) > 16<<10 {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] <= ' ' || tok[i] >= 0x7f {
			return false
		}
	}
	return true
}

// lifetime is a token lifetime in seconds. It never fails to decode: a
// number of any size (clamped to int64), a string of one, null or garbage
// (0, which expiry replaces with the fallback), so that an odd lifetime
// costs a default, not the token.
type lifetime int64

// UnmarshalJSON reads the lifetime.
func (l *lifetime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		*l = 0
	case f >= math.MaxInt64:
		*l = math.MaxInt64
	case f <= math.MinInt64:
		*l = math.MinInt64
	default:
		*l = lifetime(f)
	}
	return nil
}

// tokenError is a failed token request. It never holds the response body,
// which may echo credentials.
type tokenError struct {
	status int   // 0 when no response came
	err    error // transport or decoding error
}

func (e *tokenError) Error() string {
	if e.status != 0 {
		return "token request refused: HTTP " + strconv.Itoa(e.status)
	}
	return "token request failed: " + e.err.Error()
}

func (e *tokenError) Unwrap() error { return e.err }

// kind classifies the failure for the call that needed the token.
func (e *tokenError) kind() error {
	switch {
	case e.status >= 500 || (e.status == 0 && !errors.Is(e.err, errTokenAnswer)):
		return ErrUnavailable
	case e.status == 0:
		return ErrInvalidResponse
	}
	return ErrUnauthorized
}

func (e *tokenError) temporary() bool { return e.kind() == ErrUnavailable }

func (ts *tokenSource) post(ctx context.Context, body tokenRequest) (*tokenResponse, error) {
	b, _ := json.Marshal(body) // strings only: it cannot fail
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.url, bytes.NewReader(b))
	if err != nil {
		return nil, &tokenError{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header["User-Agent"] = ts.userAgent
	resp, err := ts.hc.Do(req)
	if err != nil {
		return nil, &tokenError{err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &tokenError{status: resp.StatusCode}
	}
	var tr tokenResponse
	data, err := readCapped(resp.Body, resp.ContentLength)
	if err != nil {
		return nil, &tokenError{err: err}
	}
	if !isJSONObject(data) {
		return nil, &tokenError{err: errTokenAnswer}
	}
	if _, err := decodeJSON(data, &tr); err != nil || !usableToken(tr.AccessToken) {
		return nil, &tokenError{err: errTokenAnswer}
	}
	return &tr, nil
}
