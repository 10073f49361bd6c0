package pectatest

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/pecta-ai/pecta-go/pecta"
)

// Error codes the server answers with beyond those Pecta documents (the pecta.Code
// constants, which the server uses too): this package's choices where the reference is
// silent. Clients match them with pecta.ErrServer or the status.
const (
	codeMethodNotAllowed = "method_not_allowed" // 405, with an Allow header
	codeInternal         = "internal"           // 500 (FailNext)
	codeBadGateway       = "bad_gateway"        // 502 (FailNext)
	codeUnavailable      = "unavailable"        // 503 (FailNext, or a request cut short by Close)
	codeGatewayTimeout   = "gateway_timeout"    // 504 (FailNext)
)

// apiError is an error answer: {"error": msg, "code": code, "status": status}.
type apiError struct {
	status int
	code   string
	msg    string
}

func errorf(status int, code, msg string) *apiError {
	return &apiError{status: status, code: code, msg: msg}
}

func validation(msg string) *apiError {
	return errorf(http.StatusBadRequest, pecta.CodeValidation, msg)
}

type errorBody struct {
	Error  string `json:"error"`
	Code   string `json:"code"`
	Status int    `json:"status"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: "encode response", Code: codeInternal, Status: status})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorBody{Error: e.msg, Code: e.code, Status: e.status})
}

// codeForStatus is the code FailNext puts in the body for a status.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return pecta.CodeValidation
	case http.StatusUnauthorized:
		return pecta.CodeAuthInvalid
	case http.StatusForbidden:
		return pecta.CodeForbidden
	case http.StatusNotFound:
		return pecta.CodeNotFound
	case http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case http.StatusTooManyRequests:
		return pecta.CodeRateLimited
	case http.StatusInternalServerError:
		return codeInternal
	case http.StatusBadGateway:
		return codeBadGateway
	case http.StatusServiceUnavailable:
		return codeUnavailable
	case http.StatusGatewayTimeout:
		return codeGatewayTimeout
	default:
		return "error"
	}
}

// timeFormat is RFC 3339 UTC with milliseconds, as in the Pecta reference
// (2026-05-07T14:22:44.000Z). Stored times are truncated to milliseconds so what a client
// reads back compares equal to what is stored.
const timeFormat = "2006-01-02T15:04:05.000Z"

func fmtTime(t time.Time) string {
	return t.UTC().Format(timeFormat)
}

func fmtTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := fmtTime(*t)
	return &s
}

// retryAfterSeconds rounds d up to whole seconds.
func retryAfterSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
