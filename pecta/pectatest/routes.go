package pectatest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// routeSpec describes one route: the methods it accepts and what the key needs.
type routeSpec struct {
	methods []string
	secret  bool // needs a secret key (key management, usage logs)
}

// route authenticates, rate-limits, authorises and dispatches one request.
func (s *Server) route(w *statusWriter, r *http.Request, body []byte, tooLarge bool, start time.Time) {
	path := r.URL.EscapedPath()
	if path == "/health" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, http.MethodGet, http.MethodHead)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	if path != "/v1" && !strings.HasPrefix(path, "/v1/") {
		writeError(w, errorf(http.StatusNotFound, pecta.CodeNotFound, "no route "+r.URL.Path))
		return
	}

	p, aerr := s.authenticate(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	defer func() { s.logUsage(p.keyID, r, w.status, start) }()

	ingest := path == "/v1/ingest" && r.Method == http.MethodPost
	if wait, limited := s.rateLimit(ingest); limited {
		s.mu.Lock()
		s.stats.RateLimited++
		s.mu.Unlock()
		w.Header().Set("Retry-After", strconv.FormatInt(max(1, retryAfterSeconds(wait)), 10))
		writeError(w, errorf(http.StatusTooManyRequests, pecta.CodeRateLimited, "rate limit exceeded"))
		return
	}

	handler, spec, param, ok := s.lookup(path)
	if !ok {
		writeError(w, errorf(http.StatusNotFound, pecta.CodeNotFound, "no route "+r.URL.Path))
		return
	}
	if !slices.Contains(spec.methods, r.Method) {
		methodNotAllowed(w, spec.methods...)
		return
	}
	if e := authorize(p, spec, r.Method); e != nil {
		writeError(w, e)
		return
	}
	if tooLarge {
		writeError(w, errorf(http.StatusRequestEntityTooLarge, pecta.CodeValidation, "body: larger than 5 MiB"))
		return
	}
	handler(w, &call{r: r, body: body, principal: p, param: param})
}

// authorize answers 403 when the key may not make the call: secret_key_required when the
// route needs a secret key and the key is publishable, insufficient_scope when the key
// lacks the read scope (every GET) or the write scope (POST and DELETE on secret routes).
// Both codes are this package's: Pecta documents none for 403, and a server that does not
// tell the two apart would send forbidden (pecta.ErrForbidden matches all three).
func authorize(p principal, spec routeSpec, method string) *apiError {
	switch {
	case spec.secret && p.typ != keyTypeSecret:
		return errorf(http.StatusForbidden, pecta.CodeSecretKeyRequired, "this operation needs a secret (sk_live_) key")
	case method == http.MethodGet && !p.hasScope(scopeRead):
		return errorf(http.StatusForbidden, pecta.CodeInsufficientScope, "api key lacks the read scope")
	case spec.secret && method != http.MethodGet && !p.hasScope(scopeWrite):
		return errorf(http.StatusForbidden, pecta.CodeInsufficientScope, "api key lacks the write scope")
	}
	return nil
}

// call is what a route handler gets.
type call struct {
	r         *http.Request
	body      []byte
	principal principal
	param     string // unescaped path parameter ({agentId}, {id})
}

type handlerFunc func(w http.ResponseWriter, c *call)

// lookup finds the handler for an escaped path.
func (s *Server) lookup(path string) (handlerFunc, routeSpec, string, bool) {
	get, post := http.MethodGet, http.MethodPost
	switch path {
	case "/v1/evaluate":
		return s.handleEvaluate, routeSpec{methods: []string{post}}, "", true
	case "/v1/ingest":
		return s.handleIngest, routeSpec{methods: []string{post}}, "", true
	case "/v1/events":
		return s.handleEvents, routeSpec{methods: []string{get}}, "", true
	case "/v1/agents":
		return s.handleAgents, routeSpec{methods: []string{get, post}}, "", true
	case "/v1/keys":
		return s.handleKeys, routeSpec{methods: []string{get, post}, secret: true}, "", true
	case "/v1/usage/logs":
		return s.handleUsageLogs, routeSpec{methods: []string{get}, secret: true}, "", true
	}
	if rest, ok := strings.CutPrefix(path, "/v1/reputation/"); ok && rest != "" {
		id, err := url.PathUnescape(rest)
		if err != nil {
			return nil, routeSpec{}, "", false
		}
		return s.handleReputation, routeSpec{methods: []string{get}}, id, true
	}
	if rest, ok := strings.CutPrefix(path, "/v1/keys/"); ok && rest != "" {
		id, err := url.PathUnescape(rest)
		if err != nil {
			return nil, routeSpec{}, "", false
		}
		return s.handleRevokeKey, routeSpec{methods: []string{http.MethodDelete}, secret: true}, id, true
	}
	return nil, routeSpec{}, "", false
}

func methodNotAllowed(w http.ResponseWriter, allowed ...string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, errorf(http.StatusMethodNotAllowed, codeMethodNotAllowed,
		"method not allowed; allowed: "+strings.Join(allowed, ", ")))
}
