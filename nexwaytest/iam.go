package nexwaytest

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// accessToken and refreshToken are the IAM tokens the fake issued. They are
// opaque random strings (Nexway's are JWTs; clients must not look inside).
type accessToken struct {
	realm   string
	expires time.Time
	refresh string // the refresh token issued with it
	revoked bool
}

type refreshToken struct {
	realm   string
	expires time.Time
	revoked bool
}

// tokenLocked draws an opaque token from the seeded source.
func (s *Server) tokenLocked() string {
	var b [24]byte
	s.randLocked(b[:])
	return hex.EncodeToString(b[:])
}

// handleToken serves POST /iam/tokens
// (https://api-doc.nexway.store/nexway-connect/reference/jwt-authentication/get-user-token): grants
// client_credentials and refresh_token with the documented camelCase body.
// Every failure is HTTP 401 {"error":"invalid_grant"}. With no realm
// configured (WithoutCredentials), any realm and client secret are accepted
// (there is nothing to check them against). A refresh keeps the old refresh token valid until it
// expires, like Keycloak's default.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	resp, denied := s.grant(readBody(r))
	if denied != "" {
		denyGrant(w, denied)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// grant issues a token pair for a token request, or says why not; the store
// lock is released before the answer is written.
func (s *Server) grant(body []byte) (tokenResponse, string) {
	var req tokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return tokenResponse{}, "request body is not a JSON object"
	}
	realm := req.RealmName.V
	if !req.RealmName.OK || realm == "" {
		return tokenResponse{}, "realmName missing"
	}
	if s.cfg.realm != "" && realm != s.cfg.realm {
		return tokenResponse{}, "unknown realm"
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch req.GrantType.V {
	case "client_credentials":
		if s.cfg.realm != "" && (!req.ClientSecret.OK || req.ClientSecret.V != s.cfg.clientSecret) {
			return tokenResponse{}, "invalid client credentials"
		}
	case "refresh_token":
		rt := s.refresh[req.RefreshToken.V]
		if !req.RefreshToken.OK || rt == nil || rt.revoked || rt.realm != realm {
			return tokenResponse{}, "invalid refresh token"
		}
		if !now.Before(rt.expires) {
			return tokenResponse{}, "refresh token expired"
		}
	default:
		return tokenResponse{}, "unsupported grant type"
	}
	s.pruneTokensLocked(now)
	at, rt := s.tokenLocked(), s.tokenLocked()
	s.access[at] = &accessToken{realm: realm, expires: now.Add(s.cfg.accessTTL), refresh: rt}
	s.refresh[rt] = &refreshToken{realm: realm, expires: now.Add(s.cfg.refreshTTL)}
	return tokenResponse{
		AccessToken:      at,
		ExpiresIn:        int64(s.cfg.accessTTL / time.Second),
		RefreshExpiresIn: int64(s.cfg.refreshTTL / time.Second),
		RefreshToken:     rt,
		TokenType:        "bearer",
		NotBeforePolicy:  0,
		SessionState:     s.uuidLocked(),
	}, ""
}

func denyGrant(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusUnauthorized, oauthError{Error: "invalid_grant", Message: msg})
}

func denyToken(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	writeJSON(w, http.StatusUnauthorized, oauthError{Error: "invalid_token", Message: msg})
}

// bearerToken extracts the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// checkBearer returns why a request's bearer token is not acceptable, or "".
func (s *Server) checkBearer(r *http.Request) string {
	tok := bearerToken(r)
	if tok == "" {
		return "bearer token missing"
	}
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.access[tok]
	switch {
	case at == nil || at.revoked:
		return "bearer token not valid"
	case !now.Before(at.expires):
		return "bearer token expired"
	case s.cfg.realm != "" && at.realm != s.cfg.realm:
		return "bearer token not valid for this realm"
	}
	return ""
}

// handleInvalidate serves DELETE /iam/tokens/invalidate, the "logout" of
// https://api-doc.nexway.store/nexway-connect/reference/jwt-authentication/invalidate-token:
// it revokes the bearer's access token and the refresh token issued with
// it. 204 on success, 401 for a bad bearer.
func (s *Server) handleInvalidate(w http.ResponseWriter, r *http.Request) {
	if reason := s.checkBearer(r); reason != "" {
		denyToken(w, reason)
		return
	}
	s.mu.Lock()
	at := s.access[bearerToken(r)]
	at.revoked = true
	if rt := s.refresh[at.refresh]; rt != nil {
		rt.revoked = true
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// handleReset serves DELETE /iam/tokens/reset, documented beside
// invalidate: it revokes every refresh token of the bearer's realm. Access
// tokens run out on their own. 200 with an empty body on success, 401 for a
// bad bearer.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if reason := s.checkBearer(r); reason != "" {
		denyToken(w, reason)
		return
	}
	s.mu.Lock()
	realm := s.access[bearerToken(r)].realm
	for _, rt := range s.refresh {
		if rt.realm == realm {
			rt.revoked = true
		}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
