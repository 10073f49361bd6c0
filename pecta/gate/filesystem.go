package gate

import (
	"strings"
)

// FilesystemOptions configure the filesystem gate. Every check is on by
// default; the Disable fields turn one off.
type FilesystemOptions struct {
	Name                  string // default "filesystem"
	DisableDestructiveRM  bool   // rm with both recursive and force flags
	DisableTraversal      bool   // ".." path components
	DisableSensitivePaths bool   // /etc, /usr, /var, ~/.ssh, ~/.aws, ~/.gnupg
}

// Filesystem returns a gate that scans every string of the output, at any
// depth (map keys and raw JSON included), for:
//
//   - a destructive rm: the rm command (also /bin/rm, after sudo, ;, &&, |)
//     with both a recursive and a force flag, in any form: -rf, -fr, -Rf,
//     -fR, combined with others (-rfv, -vfr), separate (-r -f), or long
//     (--recursive --force in either order, or mixed with short ones).
//     rm -r or rm -f alone passes. Reason "destructive rm command".
//   - path traversal: ".." used as a path component, delimited by /, \,
//     white space or quotes as the reference says
//     (https://docs.pecta.ai/gates/filesystem): ../x, ..\x, a/../b, a
//     trailing "/..", "cd ..", "'..'", and the URL-encoded forms ..%2f and
//     %2e%2e/. An ellipsis ("wait...", "...and more") or a range ("1..10")
//     passes. Reason "path traversal (..)".
//   - a sensitive path: the absolute paths /etc, /usr, /var (as a whole
//     path component: "/etcetera", "/users" and a relative "conf/etc" pass)
//     and the home-directory entries .ssh, .aws, .gnupg under ~/, $HOME/,
//     /root/, /home/<user>/ or /Users/<user>/. Reason "sensitive path
//     /etc" (the matched prefix, never the rest of the path).
func Filesystem(o FilesystemOptions) Gate {
	if o.Name == "" {
		o.Name = "filesystem"
	}
	return &scanGate{name: o.Name, reasons: fsReasons,
		c: &fsChecker{rm: !o.DisableDestructiveRM, traversal: !o.DisableTraversal, paths: !o.DisableSensitivePaths}}
}

const (
	fsRM = iota + 1
	fsTraversal
	fsPathEtc // then one kind per sensitive path, in the order of fsReasons
)

var absSensitive = []string{"/etc", "/usr", "/var"}
var homeSensitive = []string{".ssh", ".aws", ".gnupg"}

// Home directories: /root/ directly, the others followed by a user name.
var (
	absHomes = []string{"/root/", "/home/", "/Users/"}
	varHomes = []string{"$HOME/", "${HOME}/"}
)

var fsReasons = []string{
	fsRM:          "destructive rm command",
	fsTraversal:   "path traversal (..)",
	fsPathEtc:     "sensitive path /etc",
	fsPathEtc + 1: "sensitive path /usr",
	fsPathEtc + 2: "sensitive path /var",
	fsPathEtc + 3: "sensitive path ~/.ssh",
	fsPathEtc + 4: "sensitive path ~/.aws",
	fsPathEtc + 5: "sensitive path ~/.gnupg",
}

type fsChecker struct{ rm, traversal, paths bool }

func (c *fsChecker) check(s string) int {
	best := 0
	keep := func(k int) {
		if k > 0 && (best == 0 || k < best) {
			best = k
		}
	}
	if c.rm && destructiveRM(s) {
		return fsRM
	}
	if c.traversal && traversal(s) {
		keep(fsTraversal)
	}
	if c.paths && best == 0 {
		keep(sensitivePath(s))
	}
	return best
}

// isNameByte reports whether b can be part of a file or command name.
func isNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-' || b == '.'
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// isCmdEnd reports whether b ends a shell command.
func isCmdEnd(b byte) bool {
	return b == ';' || b == '&' || b == '|' || b == '\n' || b == ')' || b == '`'
}

// destructiveRM reports whether s holds an rm command with both a
// recursive and a force flag.
func destructiveRM(s string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], "rm")
		if i < 0 {
			return false
		}
		i += off
		off = i + 2
		if i > 0 && (isNameByte(s[i-1]) || s[i-1] == '~') {
			continue // "perform", "alarm", "x.rm"
		}
		if off >= len(s) || !isSpace(s[off]) {
			continue // "rmdir", "rm_rf", a bare "rm"
		}
		if rmFlags(s[off:]) {
			return true
		}
	}
}

// rmFlags reads the arguments of one rm command (up to the end of the
// command) and reports whether they hold both a recursive and a force flag.
func rmFlags(s string) bool {
	var rec, force, operandsOnly bool
	for i := 0; i < len(s); {
		for i < len(s) && isSpace(s[i]) && s[i] != '\n' {
			i++
		}
		if i >= len(s) || isCmdEnd(s[i]) {
			break
		}
		j := i
		for j < len(s) && !isSpace(s[j]) && !isCmdEnd(s[j]) {
			j++
		}
		tok := strings.Trim(s[i:j], `"'`)
		i = j
		if operandsOnly || len(tok) < 2 || tok[0] != '-' {
			continue
		}
		if tok == "--" {
			operandsOnly = true
			continue
		}
		if tok[1] == '-' {
			switch tok {
			case "--recursive":
				rec = true
			case "--force":
				force = true
			}
			continue
		}
		for k := 1; k < len(tok); k++ {
			switch tok[k] {
			case 'r', 'R':
				rec = true
			case 'f':
				force = true
			}
		}
		if rec && force {
			return true
		}
	}
	return rec && force
}

// traversal reports whether s holds a ".." path component.
func traversal(s string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], "..")
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		if i > 0 && s[i-1] != '/' && s[i-1] != '\\' && isNameByte(s[i-1]) {
			continue // "wait..", "1..10", the second dot pair of "..."
		}
		var next byte
		if i+2 < len(s) {
			next = s[i+2]
		}
		switch {
		case next == '/' || next == '\\':
			return true
		case i+5 <= len(s) && strings.EqualFold(s[i+2:i+5], "%2f"):
			return true
		case i > 0 && (s[i-1] == '/' || s[i-1] == '\\') && (next == 0 || !isNameByte(next)):
			return true // "/tmp/.."
		case (i == 0 || isComponentDelim(s[i-1])) && (i+2 == len(s) || isComponentDelim(next)):
			return true // "cd ..", "'..'"
		}
	}
	// URL-encoded dots: %2e%2e/ and %2e%2e%2f, any case
	for off := 0; ; {
		i := strings.IndexByte(s[off:], '%')
		if i < 0 {
			return false
		}
		i += off
		off = i + 1
		if hasPrefixFold(s[i:], "%2e%2e/") || hasPrefixFold(s[i:], "%2e%2e%2f") || hasPrefixFold(s[i:], "%2e%2e\\") {
			return true
		}
	}
}

// isComponentDelim reports whether b delimits a path component for the
// traversal check: a separator, white space or a quote.
func isComponentDelim(b byte) bool {
	return b == '/' || b == '\\' || isSpace(b) || b == '"' || b == '\'' || b == '`'
}

// sensitivePath returns the kind of the first sensitive path in s, or 0.
func sensitivePath(s string) int {
	best := 0
	keep := func(k int) {
		if k != 0 && (best == 0 || k < best) {
			best = k
		}
	}
	for off := 0; best != fsPathEtc; {
		i := strings.IndexByte(s[off:], '/')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		keep(absPathAt(s, i))
	}
	for off := 0; ; {
		i := strings.IndexByte(s[off:], '~')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		if i+1 < len(s) && s[i+1] == '/' && (i == 0 || !isNameByte(s[i-1])) {
			keep(homeEntry(s[i+2:]))
		}
	}
	for off := 0; ; {
		i := strings.IndexByte(s[off:], '$')
		if i < 0 {
			break
		}
		i += off
		off = i + 1
		for _, home := range varHomes {
			if strings.HasPrefix(s[i:], home) {
				keep(homeEntry(s[i+len(home):]))
			}
		}
	}
	return best
}

// absPathAt returns the kind of the sensitive absolute path starting with
// the '/' at s[i], or 0.
func absPathAt(s string, i int) int {
	if i > 0 && (isNameByte(s[i-1]) || s[i-1] == '~' || s[i-1] == '$' || s[i-1] == '}') {
		return 0 // relative, or after ~ / $HOME (handled apart)
	}
	rest := s[i:]
	for k, p := range absSensitive {
		if strings.HasPrefix(rest, p) && componentEnd(rest, len(p)) {
			return fsPathEtc + k
		}
	}
	for _, home := range absHomes {
		if !strings.HasPrefix(rest, home) {
			continue
		}
		h := len(home)
		if home != "/root/" {
			u := h
			for u < len(rest) && isNameByte(rest[u]) {
				u++
			}
			if u == h || u >= len(rest) || rest[u] != '/' {
				continue
			}
			h = u + 1
		}
		if k := homeEntry(rest[h:]); k != 0 {
			return k
		}
	}
	return 0
}

// homeEntry returns the kind of the sensitive home entry s starts with.
func homeEntry(s string) int {
	for k, p := range homeSensitive {
		if strings.HasPrefix(s, p) && componentEnd(s, len(p)) {
			return fsPathEtc + len(absSensitive) + k
		}
	}
	return 0
}

// componentEnd reports whether the path component in s ends at n.
func componentEnd(s string, n int) bool {
	return n == len(s) || !isNameByte(s[n]) || (s[n] == '.' && (n+1 == len(s) || !isNameByte(s[n+1])))
}
