package depcheck_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/pecta-ai/pecta-go"

// forbidden is a family of import paths, by prefix.
type forbidden struct {
	name     string
	prefixes []string
}

var (
	redis   = forbidden{"Redis", []string{"github.com/redis/", "github.com/go-redis/"}}
	bbolt   = forbidden{"bbolt", []string{"go.etcd.io/bbolt"}}
	gjson   = forbidden{"gjson", []string{"github.com/tidwall/"}}
	testify = forbidden{"testify", []string{"github.com/stretchr/"}}
	otel    = forbidden{"OpenTelemetry", []string{"go.opentelemetry.io/"}}
	prom    = forbidden{"Prometheus client", []string{"github.com/prometheus/"}}
)

// programs lists what a program that imports only pkg must not compile.
var programs = []struct {
	pkg    string
	forbid []forbidden
}{
	{
		pkg:    module + "/pecta",
		forbid: []forbidden{redis, bbolt, gjson, testify, otel, prom},
	},
	{
		pkg:    module + "/telemetry",
		forbid: []forbidden{redis, bbolt, gjson, testify, otel, prom},
	},
}

// goos lists the systems whose build files are checked: a dependency
// pulled in on one of them only is still a dependency.
var goos = []string{"linux", "darwin", "windows"}

func TestProgramsCompileOnlyWhatTheyImport(t *testing.T) {
	for _, p := range programs {
		for _, sys := range goos {
			t.Run(strings.TrimPrefix(p.pkg, module+"/")+"/"+sys, func(t *testing.T) {
				g := listDeps(t, sys, p.pkg)
				var found []string
				for _, f := range p.forbid {
					for _, dep := range g.order {
						if f.match(dep) {
							found = append(found, "  "+f.name+": "+strings.Join(g.chain(p.pkg, dep), " -> "))
						}
					}
				}
				if len(found) > 0 {
					t.Errorf("a program that imports only %s compiles forbidden packages (GOOS=%s):\n%s",
						p.pkg, sys, strings.Join(found, "\n"))
				}
			})
		}
	}
}

// internal/ is the bottom layer: its packages import no package of the
// module outside internal/ (the demo and fleet helpers of the examples
// live under examples/).
func TestInternalDependsOnNothingAbove(t *testing.T) {
	g := listDeps(t, "", module+"/internal/...")
	var found []string
	for _, dep := range g.order {
		if !strings.HasPrefix(dep, module+"/") || strings.HasPrefix(dep, module+"/internal/") {
			continue
		}
		for _, from := range g.order {
			if strings.HasPrefix(from, module+"/internal/") && slices.Contains(g.imports[from], dep) {
				found = append(found, "  "+from+" -> "+dep)
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("internal/ imports packages above it:\n%s", strings.Join(found, "\n"))
	}
}

// A user of the root module never downloads a Redis client, OpenTelemetry
// or client_golang: no module of its graph is one.
func TestRootModuleGraphHasNoAdapterDeps(t *testing.T) {
	trackModuleFiles(t)
	out := goCmd(t, "", "list", "-m", "all")
	for _, f := range []struct {
		forbidden
		home string
	}{
		{redis, "telemetry/redisbudget"},
		{otel, "telemetry/otelmetrics"},
		{prom, "telemetry/promcollector"},
	} {
		var found []string
		for _, line := range strings.Split(string(out), "\n") {
			mod, _, _ := strings.Cut(line, " ")
			if f.match(mod + "/") {
				found = append(found, "  "+line)
			}
		}
		if len(found) > 0 {
			t.Errorf("the root module's graph holds %s modules (they belong in %s's go.mod):\n%s",
				f.name, f.home, strings.Join(found, "\n"))
		}
	}
}

func (f forbidden) match(path string) bool {
	for _, p := range f.prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// graph is the output of go list -deps: every package, dependencies
// first, and what each imports.
type graph struct {
	order   []string
	imports map[string][]string
}

func listDeps(t *testing.T, goos, pattern string) graph {
	t.Helper()
	trackModuleFiles(t)
	out := goCmd(t, goos, "list", "-deps", "-f",
		`{{.ImportPath}}	{{if and .Module .Module.Main}}{{.Dir}}{{end}}	{{join .Imports " "}}`, pattern)
	g := graph{imports: map[string][]string{}}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			t.Fatalf("go list printed %q", line)
		}
		g.order = append(g.order, fields[0])
		g.imports[fields[0]] = strings.Fields(fields[2])
		if fields[1] != "" {
			trackDir(t, fields[1])
		}
	}
	return g
}

// go test caches a passing result for as long as the files and
// environment variables the test itself reads are unchanged; it does not
// see what a go command run by the test reads. So the test reads them:
// the module's go.mod and go.sum, and every file of the module's packages
// it lists (a new import in one of them reruns the test).

func trackModuleFiles(t *testing.T) {
	t.Helper()
	gomod := strings.TrimSpace(string(goCmd(t, "", "env", "GOMOD")))
	for _, name := range []string{gomod, strings.TrimSuffix(gomod, ".mod") + ".sum"} {
		_, _ = os.Stat(name)
	}
}

func trackDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			_, _ = os.Stat(filepath.Join(dir, e.Name()))
		}
	}
}

// chain returns the shortest import chain from one package to another.
func (g graph) chain(from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var c []string
			for ; p != ""; p = prev[p] {
				c = append(c, p)
			}
			slices.Reverse(c)
			return c
		}
		for _, q := range g.imports[p] {
			if _, seen := prev[q]; !seen {
				prev[q] = p
				queue = append(queue, q)
			}
		}
	}
	return []string{from, "...", to}
}

// goCmd runs the go command in this package's directory, so that it
// resolves with the root module's go.mod.
func goCmd(t *testing.T, goos string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	if goos != "" {
		cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}
