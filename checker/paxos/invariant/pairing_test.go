package invariant

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
	"testing"
)

// The pairing of DESIGN.md, "Spec and Go, visibly paired": every invariant
// X named in a spec/MC*.cfg has a Go twin checker/paxos/invariant.X, listed in
// All, whose doc comment starts "X mirrors spec/Paxos.tla X."; the TLA+
// definition of X carries "\* Go: checker/paxos/invariant.X"; and the reverse.

const specDir = "../../../spec"

var (
	goTag  = regexp.MustCompile(`^\\\* Go: checker/paxos/invariant\.(\w+)\s*$`)
	tlaDef = regexp.MustCompile(`^(\w+)\s*(\(.*\))?\s*==`)
)

// tlaTags maps each "\* Go: checker/paxos/invariant.X" comment of a TLA+ module
// to the name of the definition that follows it ("" if none does).
func tlaTags(text string) map[string]string {
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

// pairing is what the comparison reads from both sides.
type pairing struct {
	cfg    map[string][]string // invariant name -> cfg files naming it
	goAll  []string            // names in All
	goFunc map[string]string   // name in All -> the function it calls
	docs   map[string]string   // function name -> its doc comment
	tags   map[string]string   // "\* Go:" tag in Paxos.tla -> definition it precedes
}

// comparePairing returns every breach of the pairing, sorted; none means
// the two sides agree name for name.
func comparePairing(p pairing) []string {
	var bad []string
	for name, files := range p.cfg {
		if !slices.Contains(p.goAll, name) {
			bad = append(bad, "invariant "+name+" of "+strings.Join(files, ", ")+" has no Go twin in checker/paxos/invariant.All")
		}
	}
	for _, name := range p.goAll {
		if _, ok := p.cfg[name]; !ok {
			bad = append(bad, "Go invariant "+name+" is checked by no spec/MC*.cfg")
		}
		if f := p.goFunc[name]; f != name {
			bad = append(bad, "All names "+name+" but calls "+f)
		}
		doc, ok := p.docs[name]
		want := name + " mirrors spec/Paxos.tla " + name + "."
		switch {
		case !ok:
			bad = append(bad, "Go invariant "+name+" has no function "+name+" with a doc comment")
		case !strings.HasPrefix(doc, want):
			bad = append(bad, "the doc comment of "+name+" does not start \""+want+"\"")
		}
	}
	names := slices.Clone(p.goAll)
	for n := range p.cfg {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, name := range names {
		def, ok := p.tags[name]
		switch {
		case !ok:
			bad = append(bad, "spec/Paxos.tla has no \"\\* Go: checker/paxos/invariant."+name+"\"")
		case def != name:
			bad = append(bad, "in spec/Paxos.tla \"\\* Go: checker/paxos/invariant."+name+"\" precedes the definition of \""+def+"\"")
		}
	}
	for tag := range p.tags {
		if !slices.Contains(names, tag) {
			bad = append(bad, "spec/Paxos.tla tags checker/paxos/invariant."+tag+", which is no Go invariant")
		}
	}
	slices.Sort(bad)
	return bad
}

// goSide reads All and the doc comments of the package's non-test files.
func goSide(t *testing.T) pairing {
	t.Helper()
	p := pairing{goFunc: map[string]string{}, docs: map[string]string{}}
	for _, inv := range All {
		p.goAll = append(p.goAll, inv.Name)
		f := runtime.FuncForPC(reflect.ValueOf(inv.Check).Pointer()).Name()
		p.goFunc[inv.Name] = f[strings.LastIndex(f, ".")+1:]
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Doc != nil {
				p.docs[fd.Name.Name] = fd.Doc.Text()
			}
		}
	}
	return p
}

// TestPairing checks the real spec/ against the real package.
func TestPairing(t *testing.T) {
	cfgs, err := filepath.Glob(filepath.Join(specDir, "MC*.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) == 0 {
		t.Skipf("spec/ has no MC*.cfg yet (looked in %s): nothing to pair with", specDir)
	}
	p := goSide(t)
	p.cfg = map[string][]string{}
	for _, c := range cfgs {
		// Single-decree Paxos's models only: MultiPaxos's
		// (MCMultiPaxos*.cfg) pair with its own twins.
		if strings.HasPrefix(filepath.Base(c), "MCMultiPaxos") {
			continue
		}
		b, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range CfgInvariants(string(b)) {
			p.cfg[n] = append(p.cfg[n], filepath.Base(c))
		}
	}
	tla, err := os.ReadFile(filepath.Join(specDir, "Paxos.tla"))
	if err != nil {
		t.Fatalf("the cfgs name invariants but spec/Paxos.tla cannot be read: %v", err)
	}
	p.tags = tlaTags(string(tla))
	for _, b := range comparePairing(p) {
		t.Error(b)
	}
}

// synthetic is a pairing where both sides agree.
func synthetic() pairing {
	return pairing{
		cfg:    map[string][]string{"TypeOK": {"MCA.cfg"}, "Agreement": {"MCA.cfg", "MCB.cfg"}},
		goAll:  []string{"TypeOK", "Agreement"},
		goFunc: map[string]string{"TypeOK": "TypeOK", "Agreement": "Agreement"},
		docs: map[string]string{"TypeOK": "TypeOK mirrors spec/Paxos.tla TypeOK.\n", "Agreement": "Agreement mirrors spec/Paxos.tla Agreement.\n\nMore.",
			"SafeAt": "SafeAt reports..."},
		tags: map[string]string{"TypeOK": "TypeOK", "Agreement": "Agreement"},
	}
}

// TestComparePairing shows that the comparison fails when a name is
// removed on either side, or a doc comment or tag is missing or wrong.
func TestComparePairing(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *pairing)
		want   []string
	}{
		{"agree", func(*pairing) {}, nil},
		{"removed from the cfgs", func(p *pairing) { delete(p.cfg, "Agreement") },
			[]string{"Go invariant Agreement is checked by no spec/MC*.cfg"}},
		{"removed from All", func(p *pairing) { p.goAll = p.goAll[:1] },
			[]string{"invariant Agreement of MCA.cfg, MCB.cfg has no Go twin in checker/paxos/invariant.All"}},
		{"doc comment missing", func(p *pairing) { delete(p.docs, "TypeOK") },
			[]string{"Go invariant TypeOK has no function TypeOK with a doc comment"}},
		{"doc comment wrong", func(p *pairing) { p.docs["TypeOK"] = "TypeOK checks types.\n" },
			[]string{`the doc comment of TypeOK does not start "TypeOK mirrors spec/Paxos.tla TypeOK."`}},
		{"All calls the wrong function", func(p *pairing) { p.goFunc["Agreement"] = "Validity" },
			[]string{"All names Agreement but calls Validity"}},
		{"tag missing", func(p *pairing) { delete(p.tags, "Agreement") },
			[]string{`spec/Paxos.tla has no "\* Go: checker/paxos/invariant.Agreement"`}},
		{"tag on the wrong definition", func(p *pairing) { p.tags["Agreement"] = "Chosen" },
			[]string{`in spec/Paxos.tla "\* Go: checker/paxos/invariant.Agreement" precedes the definition of "Chosen"`}},
		{"tag without twin", func(p *pairing) { p.tags["Liveness"] = "Liveness" },
			[]string{"spec/Paxos.tla tags checker/paxos/invariant.Liveness, which is no Go invariant"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := synthetic()
			tc.change(&p)
			if got := comparePairing(p); !slices.Equal(got, tc.want) {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCfgInvariants(t *testing.T) {
	tests := []struct {
		name, cfg string
		want      []string
	}{
		{"one per line", "INVARIANT TypeOK\nINVARIANT Agreement\n", []string{"TypeOK", "Agreement"}},
		{"several on a line", "INVARIANTS TypeOK Agreement\n", []string{"TypeOK", "Agreement"}},
		{"on following lines", "INVARIANTS\n  TypeOK\n  Agreement\nPROPERTY Live\n", []string{"TypeOK", "Agreement"}},
		{"comments", "\\* INVARIANT Old\nINVARIANT (* Gone *) TypeOK \\* trailing\n", []string{"TypeOK"}},
		{"other sections", "CONSTANTS\n a = a\n Q <- MinQ\nSPECIFICATION Spec\nSYMMETRY Sym\nPROPERTY P\n", nil},
		{"after constants", "CONSTANTS a = a\nINVARIANT TypeOK\nCHECK_DEADLOCK FALSE\n", []string{"TypeOK"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CfgInvariants(tc.cfg); !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTLATags(t *testing.T) {
	src := "(* box *)\n\\* Go: checker/paxos/invariant.AccInv\nAccInv ==\n  TRUE\n\n\\* Go: checker/paxos/invariant.SafeIt\n\nSafeAt(b, v) == TRUE\n\\* Go: checker/paxos/invariant.Dangling\n"
	want := map[string]string{"AccInv": "AccInv", "SafeIt": "SafeAt", "Dangling": ""}
	if got := tlaTags(src); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
