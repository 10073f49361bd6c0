package pecta

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

func parseBaseURL(raw string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// The URL is not echoed: a malformed one may carry credentials.
		return nil, errors.New("pecta: invalid base URL: want scheme://host[:port][/prefix], e.g. " + DefaultBaseURL)
	}
	if u.User != nil {
		return nil, errors.New("pecta: base URL must not carry userinfo (user@ or user:secret@): keys go to NewClient and WithSecretKey")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !insecure && !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("pecta: refusing plaintext http:// to non-loopback host %q: use https, or allow plaintext explicitly (pecta.WithInsecureHTTP, or InsecureHTTP in telemetry.Config)", u.Hostname())
		}
	default:
		return nil, fmt.Errorf("pecta: unsupported base URL scheme %q: want https (or http on loopback)", u.Scheme)
	}
	// fix is what a correct base URL would be: scheme, host and the path up
	// to any API version segment, without query or fragment. Errors show
	// URLs only through shownURL, which drops whatever may be secret.
	path := strings.TrimRight(u.Path, "/")
	fix := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path, RawPath: strings.TrimRight(u.RawPath, "/")}
	if i := versionSegment(path); i >= 0 {
		fix.Path, fix.RawPath = strings.TrimRight(path[:i], "/"), ""
		return nil, fmt.Errorf("pecta: base URL %q must not include the API version %q (the client adds /v1 to every route): use %q",
			shownURL(u), sanitize(path[i:]), shownURL(fix))
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, fmt.Errorf("pecta: base URL must not have a query: use %q", shownURL(fix))
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("pecta: base URL must not have a fragment: use %q", shownURL(fix))
	}
	return fix, nil
}

// versionSegment returns the index in path of its first segment that looks
// like an API version ("v1", "V2"), or -1.
func versionSegment(path string) int {
	for i := 0; i < len(path); {
		if path[i] != '/' {
			i++
			continue
		}
		j := i + 1
		for j < len(path) && path[j] != '/' {
			j++
		}
		seg := path[i+1 : j]
		if len(seg) >= 2 && (seg[0] == 'v' || seg[0] == 'V') && strings.Trim(seg[1:], "0123456789") == "" {
			return i
		}
		i = j
	}
	return -1
}

// shownURL is u as an error may show it: scheme, host and path only (no
// userinfo, query or fragment, which may hold credentials), with anything
// shaped like a key replaced by its preview.
func shownURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return sanitize(v.String())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
