package seam

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbidden are the imports that would let the core read a clock, draw a
// random number or do I/O (DESIGN.md, "The deterministic core"). A package
// below one of them (net/http, os/exec) is forbidden with it.
var forbidden = []string{"time", "net", "os", "math/rand", "math/rand/v2", "crypto/rand", "syscall"}

// checkSource parses one Go file and returns every rule it breaks: a
// forbidden import or a go statement.
func checkSource(name string, src []byte) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, err
		}
		for _, bad := range forbidden {
			if path == bad || strings.HasPrefix(path, bad+"/") {
				problems = append(problems, fset.Position(imp.Pos()).String()+": imports "+path)
				break
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok {
			problems = append(problems, fset.Position(g.Pos()).String()+": starts a goroutine")
		}
		return true
	})
	return problems, nil
}

// cores are the packages that must stay deterministic: every protocol's
// core, and what they share (impl/ballot, impl/timer, impl/catalogue).
var cores = append([]string{"impl/ballot", "impl/timer", "impl/catalogue"}, protocols...)

// TestCoreIsDeterministic enforces that the non-test files of every core
// import no clock, randomness or I/O and start no goroutine.
func TestCoreIsDeterministic(t *testing.T) {
	r := root(t)
	for _, pkg := range cores {
		files, err := filepath.Glob(filepath.Join(r, pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			problems, err := checkSource(name, src)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Error(p)
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("package %s has no Go files", pkg)
		}
	}
}

// TestCheckSourceFindsViolations shows the checker above can fail.
func TestCheckSourceFindsViolations(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // substrings, one per expected problem
	}{
		{"clean", "package p\nimport (\"fmt\"; \"math/bits\"; \"strings\")\nvar _ = fmt.Sprint\n", nil},
		{"time", "package p\nimport \"time\"\nvar _ = time.Now\n", []string{"imports time"}},
		{"renamed os", "package p\nimport sys \"os\"\nvar _ = sys.Exit\n", []string{"imports os"}},
		{"net subpackage", "package p\nimport _ \"net/http\"\n", []string{"imports net/http"}},
		{"math/rand", "package p\nimport \"math/rand\"\n", []string{"imports math/rand"}},
		{"math/rand/v2", "package p\nimport \"math/rand/v2\"\n", []string{"imports math/rand/v2"}},
		{"not a prefix match", "package p\nimport _ \"timeutil\"\nimport _ \"osext\"\n", nil},
		{"goroutine", "package p\nfunc f() { go func() {}() }\n", []string{"starts a goroutine"}},
		{"two problems", "package p\nimport \"time\"\nfunc f() { go time.Sleep(0) }\n", []string{"imports time", "starts a goroutine"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := checkSource(tc.name+".go", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q, want it to mention %q", got[i], w)
				}
			}
		})
	}
	if _, err := checkSource("bad.go", []byte("package")); err == nil {
		t.Error("a file that does not parse was accepted")
	}
}
