// Package pairing checks DESIGN.md's "Spec and Go, visibly paired" for
// one protocol: every invariant X named in the protocol's spec/MC*.cfg
// models has a Go twin X in its invariant package's list, whose doc
// comment starts "X mirrors spec/<Spec> X."; the TLA+ definition of X
// carries "\* Go: <package>.X"; and the reverse. Each protocol's
// invariant package runs Check from its tests. It also reads TLC cfgs
// (CfgInvariants).
package pairing

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
)

// Side names one protocol's two sides: its spec module (file name under
// spec/, "Paxos.tla"), the prefix of its models' cfgs ("MCPaxos"), and its
// Go invariant package ("checker/paxos/invariant").
type Side struct {
	Spec, Models, Pkg string
}

// Pairing is what the comparison reads from both sides.
type Pairing struct {
	Cfg    map[string][]string // invariant name -> cfg files naming it
	GoAll  []string            // names in the Go list
	GoFunc map[string]string   // name in the list -> the function it calls
	Docs   map[string]string   // function name -> its doc comment
	Tags   map[string]string   // "\* Go:" tag in the spec -> the definition it precedes
}

var tlaDef = regexp.MustCompile(`^(\w+)\s*(\(.*\))?\s*==`)

// Tags maps each "\* Go: <Pkg>.X" comment of a TLA+ module to the name of
// the definition that follows it ("" if none does).
func (s Side) Tags(text string) map[string]string {
	goTag := regexp.MustCompile(`^\\\* Go: ` + regexp.QuoteMeta(s.Pkg) + `\.(\w+)\s*$`)
	out := map[string]string{}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		m := goTag.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		def := ""
		for _, next := range lines[i+1:] {
			if strings.TrimSpace(next) == "" {
				continue
			}
			if d := tlaDef.FindStringSubmatch(next); d != nil {
				def = d[1]
			}
			break
		}
		out[m[1]] = def
	}
	return out
}

// Compare returns every breach of the pairing, sorted; none means the two
// sides agree name for name.
func (s Side) Compare(p Pairing) []string {
	spec := "spec/" + s.Spec
	var bad []string
	for name, files := range p.Cfg {
		if !slices.Contains(p.GoAll, name) {
			bad = append(bad, "invariant "+name+" of "+strings.Join(files, ", ")+" has no Go twin in "+s.Pkg+".All")
		}
	}
	for _, name := range p.GoAll {
		if _, ok := p.Cfg[name]; !ok {
			bad = append(bad, "Go invariant "+name+" is checked by no spec/"+s.Models+"*.cfg")
		}
		if f := p.GoFunc[name]; f != name {
			bad = append(bad, "All names "+name+" but calls "+f)
		}
		doc, ok := p.Docs[name]
		want := name + " mirrors " + spec + " " + name + "."
		switch {
		case !ok:
			bad = append(bad, "Go invariant "+name+" has no function "+name+" with a doc comment")
		case !strings.HasPrefix(doc, want):
			bad = append(bad, "the doc comment of "+name+" does not start \""+want+"\"")
		}
	}
	names := slices.Clone(p.GoAll)
	for n := range p.Cfg {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, name := range names {
		def, ok := p.Tags[name]
		switch {
		case !ok:
			bad = append(bad, spec+" has no \"\\* Go: "+s.Pkg+"."+name+"\"")
		case def != name:
			bad = append(bad, "in "+spec+" \"\\* Go: "+s.Pkg+"."+name+"\" precedes the definition of \""+def+"\"")
		}
	}
	for tag := range p.Tags {
		if !slices.Contains(names, tag) {
			bad = append(bad, spec+" tags "+s.Pkg+"."+tag+", which is no Go invariant")
		}
	}
	slices.Sort(bad)
	return bad
}

// FuncName is the unqualified name of function f.
func FuncName(f any) string {
	n := runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
	return n[strings.LastIndex(n, ".")+1:]
}

// Read reads both sides from the files: the cfgs spec/<Models>*.cfg (but
// those of longer prefixes in others, the prefixes of other protocols'
// models), the module spec/<Spec>, and the doc comments of the Go files in
// the current directory (the invariant package, whose test calls this);
// names and funcs are the Go list's names and check functions. found is
// false when spec/ has no such cfg.
func (s Side) Read(specDir string, names []string, funcs []any, others []string) (p Pairing, found bool, err error) {
	p = Pairing{Cfg: map[string][]string{}, GoFunc: map[string]string{}, Docs: map[string]string{}}
	for i, n := range names {
		p.GoAll = append(p.GoAll, n)
		p.GoFunc[n] = FuncName(funcs[i])
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		return p, false, err
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return p, false, err
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Doc != nil {
				p.Docs[fd.Name.Name] = fd.Doc.Text()
			}
		}
	}
	cfgs, err := filepath.Glob(filepath.Join(specDir, s.Models+"*.cfg"))
	if err != nil {
		return p, false, err
	}
cfgs:
	for _, c := range cfgs {
		for _, o := range others {
			if strings.HasPrefix(filepath.Base(c), o) {
				continue cfgs
			}
		}
		b, err := os.ReadFile(c)
		if err != nil {
			return p, false, err
		}
		found = true
		for _, n := range CfgInvariants(string(b)) {
			p.Cfg[n] = append(p.Cfg[n], filepath.Base(c))
		}
	}
	tla, err := os.ReadFile(filepath.Join(specDir, s.Spec))
	if err != nil {
		return p, found, err
	}
	p.Tags = s.Tags(string(tla))
	return p, found, nil
}
