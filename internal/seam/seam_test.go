package seam

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/paxoscheck/paxoscheck/"

// protocols are the protocol packages: the cores. A new protocol adds its
// package here.
var protocols = []string{"impl/paxos", "impl/multipaxos"}

// generic are the packages that serve every protocol. None may reach a
// protocol package through its non-test imports. A package joins this list
// when it becomes generic, and never leaves it. (Issue 12: the CLI and the
// scenarios are still to join; checker/paxos/world,
// checker/paxos/paxosmodel, checker/paxos/paxosexplore and traces/paxostrace are
// single-decree Paxos's adapters.)
var generic = []string{"impl/runner", "impl/storage", "impl/transport", "checker/nemesis", "checker/graph", "checker/graph/graphtest", "checker/explore",
	"checker/sim", "checker/replay", "checker/replay/replaytest", "checker/linearize", "checker/viewer", "checker/viewer/viewertest", "checker/tlc", "checker/tlc/tlctest", "traces", "internal/seam"}

// root is the module's root, two levels up from this package.
func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(r, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: is the test running in internal/seam?", r)
	}
	return r
}

// imports returns the module packages that pkg's non-test files import.
func imports(t *testing.T, r, pkg string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(r, pkg, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("package %s has no Go files", pkg)
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if rest, ok := strings.CutPrefix(p, module); ok && !slices.Contains(out, rest) {
				out = append(out, rest)
			}
		}
	}
	slices.Sort(out)
	return out
}

// reach returns, for the first protocol package that pkg reaches through
// module imports, the chain of imports that leads there (nil if none).
func reach(t *testing.T, r, pkg string) []string {
	t.Helper()
	seen := map[string]bool{}
	var walk func(p string, chain []string) []string
	walk = func(p string, chain []string) []string {
		chain = append(chain, p)
		if slices.Contains(protocols, p) {
			return chain
		}
		if seen[p] {
			return nil
		}
		seen[p] = true
		for _, q := range imports(t, r, p) {
			if c := walk(q, slices.Clone(chain)); c != nil {
				return c
			}
		}
		return nil
	}
	if c := walk(pkg, nil); len(c) > 1 {
		return c
	}
	return nil
}

// TestGenericImportNoProtocol is the rule of DESIGN.md's layout: generic
// packages import no protocol.
func TestGenericImportNoProtocol(t *testing.T) {
	r := root(t)
	for _, g := range generic {
		if c := reach(t, r, g); c != nil {
			t.Errorf("%s is generic but reaches a protocol: %s", g, strings.Join(c, " -> "))
		}
	}
}

// TestReachFindsProtocols shows the test above able to fail: packages that
// are not yet generic are caught, with the chain of imports.
func TestReachFindsProtocols(t *testing.T) {
	r := root(t)
	c := reach(t, r, "checker/paxos/world")
	if len(c) < 2 || c[0] != "checker/paxos/world" || !slices.Contains(protocols, c[len(c)-1]) {
		t.Fatalf("checker/paxos/world imports impl/paxos, but reach gives %v", c)
	}
	// The CLI reaches it as well, through the adapters.
	if c := reach(t, r, "cmd/paxoscheck"); len(c) < 2 {
		t.Fatalf("cmd/paxoscheck reaches impl/paxos, but reach gives %v", c)
	}
}
