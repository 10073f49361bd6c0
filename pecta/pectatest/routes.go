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
	if spec.secret && p.typ != keyTypeSecret {
		writeError(w, errorf(http.StatusForbidden, pecta.CodeForbidden, "this operation needs a secret key"))
		return
	}
	if r.Method == http.MethodGet && !p.hasScope(scopeRead) {
		writeError(w, errorf(http.StatusForbidden, pecta.CodeForbidden, "api key lacks the read scope"))
		return
	}
	if spec.secret && r.Method != http.MethodGet && !p.hasScope(scopeWrite) {
		writeError(w, errorf(http.StatusForbidden, pecta.CodeForbidden, "api key lacks the write scope"))
		return
	}
	if tooLarge {
		writeError(w, errorf(http.StatusRequestEntityTooLarge, pecta.CodeValidation, "body: larger than 5 MiB"))
		return
	}
	handler(w, &call{r: r, body: body, principal: p, param: param})
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
	writeError(w, errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
		"method not allowed; allowed: "+strings.Join(allowed, ", ")))
}
