package doccheck_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
)

const module = "github.com/pecta-ai/pecta-go"

// root is the repository's root, seen from this package's directory.
const root = "../.."

// packages maps the package names a block may use without importing them
// to their import paths.
var packages = map[string]string{
	"bytes":   "bytes",
	"context": "context",
	"errors":  "errors",
	"fmt":     "fmt",
	"http":    "net/http",
	"io":      "io",
	"iter":    "iter",
	"json":    "encoding/json",
	"log":     "log",
	"net":     "net",
	"os":      "os",
	"signal":  "os/signal",
	"slog":    "log/slog",
	"strings": "strings",
	"sync":    "sync",
	"syscall": "syscall",
	"testing": "testing",
	"time":    "time",

	"pecta":         module + "/pecta",
	"pectatest":     module + "/pecta/pectatest",
	"gate":          module + "/pecta/gate",
	"rtb":           module + "/pecta/gate/rtb",
	"telemetry":     module + "/telemetry",
	"verify":        module + "/telemetry/verify",
	"spool":         module + "/telemetry/spool",
	"redisbudget":   module + "/telemetry/redisbudget",
	"redis":         "github.com/redis/go-redis/v9",
	"otelmetrics":   module + "/telemetry/otelmetrics",
	"promcollector": module + "/telemetry/promcollector",
	"metric":        "go.opentelemetry.io/otel/metric",
	"prometheus":    "github.com/prometheus/client_golang/prometheus",
	"promhttp":      "github.com/prometheus/client_golang/prometheus/promhttp",
}

// freeVars are the variables a block may use without declaring them, as a
// reader would assume them from the surrounding text, with their types.
var freeVars = map[string]string{
	"ctx":     "context.Context",
	"c":       "*pecta.Client",
	"admin":   "*pecta.Client",
	"em":      "*telemetry.Emitter",
	"events":  "[]pecta.Event",
	"gates":   "[]pecta.GateResult",
	"out":     "any",
	"err":     "error",
	"t":       "*testing.T",
	"body":    "[]byte",
	"answer":  "[]byte",
	"arrived": "time.Time",
	"eng":     "*gate.Engine",
	"req":     "rtb.Request",
	"resp":    "rtb.Response",
	"res":     "gate.Result",
	"mux":     "*http.ServeMux",
	"next":    "http.Handler",
	"secret":  "string",
	"srv":     "*pectatest.Server",
	"pk":      "pecta.APIKey",
	"mp":      "metric.MeterProvider",
	"sk":      "pecta.APIKey",
	"newPK":   "pecta.APIKey",
	"newSK":   "pecta.APIKey",
	"store":   "func(secret string)",
}

// nestedModules are the modules, other than the root, whose packages a
// block may import; such a block is compiled in that module.
var nestedModules = []struct{ dir, path string }{
	{"telemetry/spool", module + "/telemetry/spool"},
	{"telemetry/redisbudget", module + "/telemetry/redisbudget"},
	{"telemetry/otelmetrics", module + "/telemetry/otelmetrics"},
	{"telemetry/promcollector", module + "/telemetry/promcollector"},
}

// docFiles returns the Markdown files whose code and links are checked,
// relative to root.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "CHANGELOG.md"}
	more, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range more {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, rel)
	}
	if _, err := os.Stat(filepath.Join(root, "bench", "README.md")); err == nil {
		files = append(files, "bench/README.md")
	}
	sort.Strings(files[2:])
	return files
}

// block is one fenced code block.
type block struct {
	file string // relative to root
	line int    // of the block's first line of code
	lang string
	src  string
	skip bool // <!-- doccheck:skip --> on the line before the fence
}

// blocks returns the fenced code blocks of a Markdown file, and its lines
// outside them.
func blocks(t *testing.T, file string) (bs []block, prose []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var cur *block
	var code []string
	prev := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{file: file, line: n + 1, lang: strings.TrimSpace(strings.TrimPrefix(line, "```")),
				skip: strings.TrimSpace(prev) == "<!-- doccheck:skip -->"}
			code = code[:0]
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.src = strings.Join(code, "\n") + "\n"
			bs = append(bs, *cur)
			cur = nil
		case cur != nil:
			code = append(code, line)
		default:
			prose = append(prose, line)
		}
		if strings.TrimSpace(line) != "" {
			prev = line
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Errorf("%s:%d: code block never closed", file, cur.line-1)
	}
	return bs, prose
}

// snippet is a Go block turned into a file of its own package.
type snippet struct {
	b      block
	src    string
	modDir string // relative to root
}

// generate turns a Go block into a compilable file.
func generate(b block) (snippet, error) {
	fset := token.NewFileSet()
	directive := fmt.Sprintf("//line %s:%d\n", b.file, b.line)
	if f, err := parser.ParseFile(fset, "", b.src, parser.PackageClauseOnly); err == nil && f.Name != nil {
		// A complete file: compiled as it is.
		full, err := parser.ParseFile(fset, "", b.src, parser.ImportsOnly)
		if err != nil {
			return snippet{}, fmt.Errorf("%s:%d: %v", b.file, b.line, err)
		}
		var paths []string
		for _, im := range full.Imports {
			paths = append(paths, strings.Trim(im.Path.Value, `"`))
		}
		return snippet{b: b, src: directive + b.src, modDir: moduleFor(paths)}, nil
	}

	// Declarations only (types, funcs), or statements for a function body.
	body := "package snippet\n" + b.src
	_, err := parser.ParseFile(fset, "", body, parser.SkipObjectResolution)
	wrapped := err != nil
	if wrapped {
		body = "package snippet\nfunc _() error {\n" + b.src + "\nreturn nil\n}\n"
		if _, err = parser.ParseFile(fset, "", body, parser.SkipObjectResolution); err != nil {
			return snippet{}, fmt.Errorf("%s:%d: neither declarations nor statements: %v", b.file, b.line, err)
		}
	}
	f, err := parser.ParseFile(fset, "", body, 0) // with object resolution, for Unresolved
	if err != nil {
		return snippet{}, err
	}
	used := map[string]bool{}
	vars := map[string]bool{}
	for _, id := range f.Unresolved {
		switch {
		case freeVars[id.Name] != "":
			vars[id.Name] = true
		case packages[id.Name] != "":
			used[id.Name] = true
		}
	}
	var decls strings.Builder
	names := slices.Sorted(mapKeys(vars))
	for _, name := range names {
		typ := freeVars[name]
		for _, pkg := range packageNames(typ) {
			used[pkg] = true
		}
		fmt.Fprintf(&decls, "var %s %s\n", name, typ)
	}
	var src strings.Builder
	src.WriteString("package snippet\n\n")
	var paths []string
	for _, name := range slices.Sorted(mapKeys(used)) {
		fmt.Fprintf(&src, "import %s %q\n", name, packages[name])
		paths = append(paths, packages[name])
	}
	src.WriteString(decls.String())
	if wrapped {
		// The block is what a reader pastes into a function that goes on
		// to use what it declares: its top-level variables count as used.
		var uses strings.Builder
		for _, name := range declared(f) {
			fmt.Fprintf(&uses, "_ = %s\n", name)
		}
		src.WriteString("\nfunc _() error {\n" + directive + b.src + "\n" + uses.String() + "return nil\n}\n")
	} else {
		src.WriteString("\n" + directive + b.src)
	}
	return snippet{b: b, src: src.String(), modDir: moduleFor(paths)}, nil
}

// declared returns the variables declared at the top level of the body of
// the wrapping function of f.
func declared(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		for _, st := range fn.Body.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					for _, e := range st.Lhs {
						if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
							names = append(names, id.Name)
						}
					}
				}
			case *ast.DeclStmt:
				if g, ok := st.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
					for _, sp := range g.Specs {
						for _, id := range sp.(*ast.ValueSpec).Names {
							if id.Name != "_" {
								names = append(names, id.Name)
							}
						}
					}
				}
			}
		}
	}
	return names
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// packageNames returns the package qualifiers of a type expression.
func packageNames(typ string) []string {
	expr, err := parser.ParseExpr(typ)
	if err != nil {
		return nil
	}
	var out []string
	ast.Inspect(expr, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				out = append(out, id.Name)
			}
		}
		return true
	})
	return out
}

// moduleFor returns the directory of the module a file importing paths
// compiles in.
func moduleFor(paths []string) string {
	for _, p := range paths {
		for _, m := range nestedModules {
			if p == m.path || strings.HasPrefix(p, m.path+"/") {
				return m.dir
			}
		}
		switch {
		case strings.HasPrefix(p, "github.com/redis/"):
			return "telemetry/redisbudget"
		case strings.HasPrefix(p, "go.opentelemetry.io/"):
			return "telemetry/otelmetrics"
		case strings.HasPrefix(p, "github.com/prometheus/"):
			return "telemetry/promcollector"
		}
	}
	return "."
}

// TestGoBlocksCompile compiles every Go block of the documentation.
func TestGoBlocksCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the documentation's code with the go command")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	byModule := map[string][]snippet{}
	count := 0
	for _, file := range docFiles(t) {
		bs, _ := blocks(t, file)
		for _, b := range bs {
			if b.lang != "go" || b.skip {
				continue
			}
			s, err := generate(b)
			if err != nil {
				t.Error(err)
				continue
			}
			byModule[s.modDir] = append(byModule[s.modDir], s)
			count++
		}
	}
	if count == 0 {
		t.Fatal("no Go blocks found")
	}
	for _, modDir := range slices.Sorted(func(yield func(string) bool) {
		for k := range byModule {
			if !yield(k) {
				return
			}
		}
	}) {
		snips := byModule[modDir]
		overlay := map[string]string{}
		var pkgs []string
		for i, s := range snips {
			name := fmt.Sprintf("s%03d", i)
			tmpFile := filepath.Join(tmp, strings.ReplaceAll(modDir, "/", "_")+"_"+name+".go")
			if err := os.WriteFile(tmpFile, []byte(s.src), 0o644); err != nil {
				t.Fatal(err)
			}
			overlay[filepath.Join(absRoot, modDir, "zz_doccheck", name, "snippet.go")] = tmpFile
			pkgs = append(pkgs, "./zz_doccheck/"+name)
		}
		ov, err := json.Marshal(map[string]any{"Replace": overlay})
		if err != nil {
			t.Fatal(err)
		}
		ovFile := filepath.Join(tmp, strings.ReplaceAll(modDir, "/", "_")+"_overlay.json")
		if err := os.WriteFile(ovFile, ov, 0o644); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"build", "-overlay", ovFile, "-gcflags=-e", "-o", os.DevNull}, pkgs...)
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = filepath.Join(absRoot, modDir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("the documentation's Go blocks compiled in module %s fail:\n%s", modDir, out)
		}
	}
	t.Logf("%d Go blocks compiled", count)
}

// TestGenerate checks the wrapping of a fragment: imports from the
// packages it names, free variables declared.
func TestGenerate(t *testing.T) {
	s, err := generate(block{file: "x.md", line: 3, lang: "go", src: "rep, err := c.Reputation(ctx, \"a\")\nfmt.Println(rep, err)\n"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`import context "context"`, `import fmt "fmt"`, `import pecta "` + module + `/pecta"`,
		"var c *pecta.Client", "var ctx context.Context", "//line x.md:3", "func _() error {"} {
		if !strings.Contains(s.src, want) {
			t.Errorf("generated file lacks %q:\n%s", want, s.src)
		}
	}
	if strings.Contains(s.src, "var err") || strings.Contains(s.src, "var rep") {
		t.Errorf("declared variables of the block are free:\n%s", s.src)
	}
	s, err = generate(block{file: "x.md", line: 3, lang: "go", src: "st, _ := spool.Open(\"d\", nil)\n_ = st\n"})
	if err != nil {
		t.Fatal(err)
	}
	if s.modDir != "telemetry/spool" {
		t.Errorf("a block importing spool compiles in %q, want telemetry/spool", s.modDir)
	}
}

var linkRE = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestLinksResolve checks that every relative link names an existing file
// and, with an #anchor into a Markdown file, one of its headings.
func TestLinksResolve(t *testing.T) {
	for _, file := range docFiles(t) {
		_, prose := blocks(t, file)
		for _, line := range prose {
			for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, anchor, _ := strings.Cut(target, "#")
				full := filepath.Join(root, file)
				if path != "" {
					full = filepath.Join(root, filepath.Dir(file), path)
					if _, err := os.Stat(full); err != nil {
						t.Errorf("%s: link %q: %v", file, target, err)
						continue
					}
				}
				if anchor != "" && strings.HasSuffix(full, ".md") {
					rel, _ := filepath.Rel(root, full)
					if !slices.Contains(anchors(t, rel), anchor) {
						t.Errorf("%s: link %q: no heading #%s in %s", file, target, anchor, rel)
					}
				}
			}
		}
	}
}

// anchors returns the GitHub anchors of a Markdown file's headings.
func anchors(t *testing.T, file string) []string {
	_, prose := blocks(t, file)
	return anchorsOf(prose)
}

// anchorsOf returns the GitHub anchors of the headings among lines.
func anchorsOf(prose []string) []string {
	var out []string
	seen := map[string]int{}
	for _, line := range prose {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			out = append(out, fmt.Sprintf("%s-%d", a, n))
		} else {
			out = append(out, a)
		}
		seen[a]++
	}
	return out
}

func TestAnchors(t *testing.T) {
	got := anchorsOf([]string{"# The client (`pecta`)", "text", "## At high volume: sampling", "## Notes", "## Notes"})
	want := []string{"the-client-pecta", "at-high-volume-sampling", "notes", "notes-1"}
	if !slices.Equal(got, want) {
		t.Errorf("anchors = %q, want %q", got, want)
	}
}

// TestReadmeIsShort keeps README.md an introduction: details go to docs/.
func TestReadmeIsShort(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > 300 {
		t.Errorf("README.md has %d lines, at most 300: move details to docs/", n)
	}
}

var docPathRE = regexp.MustCompile(`docs/[A-Za-z0-9_-]+\.md`)

// TestGoFilesNameExistingDocs checks that every docs/*.md page a Go file of
// the repository names (in a doc comment, a message) exists.
//
// Reading every Go file also keys this package's cached test result to the
// repository's source (go test records the files a test opens), so that a
// change to an API the documentation uses runs TestGoBlocksCompile again
// rather than reusing a cached pass.
func TestGoFilesNameExistingDocs(t *testing.T) {
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range docPathRE.FindAllString(string(b), -1) {
			if _, err := os.Stat(filepath.Join(root, m)); err != nil {
				t.Errorf("%s names %s, which does not exist", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
