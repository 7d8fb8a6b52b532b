package tlctrace

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The agreement test of issue 3 (acceptance, third bullet): every state of
// every TLC error trace in traces/tlc, fed to the Go invariants, must give
// the verdict TLC gave. Before the last state all of the model's cfg
// invariants hold; in the last state the invariant TLC names fails, and it
// is the first failing one in the cfg's order (the order TLC checks them
// in).

const (
	specDir  = "../../spec"
	traceDir = "../../traces/tlc"
)

// model is one row of spec/expected.tsv.
type model struct {
	name, module, verdict string
}

func readExpected(t *testing.T) map[string]model {
	t.Helper()
	f, err := os.Open(filepath.Join(specDir, "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]model{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		cols := strings.Split(l, "\t")
		if len(cols) < 3 {
			t.Fatalf("expected.tsv: short row %q", l)
		}
		out[cols[0]] = model{name: cols[0], module: cols[1], verdict: cols[2]}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTLCTracesAgreeWithGo(t *testing.T) {
	expected := readExpected(t)
	files, err := filepath.Glob(filepath.Join(traceDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no TLC traces in %s", traceDir)
	}
	// Every model that must fail has its trace, and every trace its model.
	var failing []string
	for name, m := range expected {
		if m.verdict != "ok" {
			failing = append(failing, name)
		}
	}
	var have []string
	for _, f := range files {
		have = append(have, strings.TrimSuffix(filepath.Base(f), ".txt"))
	}
	slices.Sort(failing)
	slices.Sort(have)
	if !slices.Equal(failing, have) {
		t.Errorf("traces/tlc holds %v, but the models that must fail (spec/expected.tsv) are %v", have, failing)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			m, ok := expected[name]
			if !ok {
				t.Fatalf("no row for %s in spec/expected.tsv", name)
			}
			checkModelTrace(t, m, f)
		})
	}
}

func checkModelTrace(t *testing.T, m model, file string) {
	cfg, err := os.ReadFile(filepath.Join(specDir, m.name+".cfg"))
	if err != nil {
		t.Fatal(err)
	}
	names := CfgInvariants(string(cfg))
	invs, err := Select(names)
	if err != nil {
		t.Fatalf("%s.cfg: %v", m.name, err)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ParseString(string(text))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}

	last := len(tr.States) - 1
	switch {
	case strings.HasPrefix(m.verdict, "violation of "):
		want := strings.TrimPrefix(m.verdict, "violation of ")
		if tr.Verdict != InvariantViolated || tr.Name != want {
			t.Fatalf("TLC's trace reports %v %q, spec/expected.tsv says %q", tr.Verdict, tr.Name, m.verdict)
		}
		if !slices.Contains(names, want) {
			t.Fatalf("%s.cfg does not check %s", m.name, want)
		}
	case m.verdict == "property violated":
		// A liveness counterexample: no invariant is broken on the way,
		// so every state, the last included, must pass them all.
		if tr.Verdict != PropertyViolated {
			t.Fatalf("TLC's trace reports %v %q, spec/expected.tsv says %q", tr.Verdict, tr.Name, m.verdict)
		}
		if !tr.Stuttering && tr.LoopTo == 0 {
			t.Errorf("a temporal property's counterexample without a lasso (Stuttering or Back to state)")
		}
		last = len(tr.States)
		if len(names) == 0 {
			// MCPaxosNoFairness checks no invariant; the states it visits
			// are reachable states of spec/Paxos.tla all the same, so
			// they must pass every invariant of MCPaxos.cfg.
			names = mainInvariants(t)
			if invs, err = Select(names); err != nil {
				t.Fatal(err)
			}
		}
	default:
		t.Fatalf("spec/expected.tsv verdict %q has no TLC trace to check", m.verdict)
	}

	for i := range tr.States {
		st := &tr.States[i]
		a, err := ToAbstract(st)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		fails, details := Failing(&a, invs)
		if i < last {
			if len(fails) > 0 {
				t.Errorf("state %d <%s> (line %d): TLC found no violation, Go's %s fails: %s",
					st.Num, st.Action, st.Line, fails[0], details[0])
			}
			continue
		}
		want := tr.Name
		switch {
		case len(fails) == 0:
			t.Errorf("state %d <%s> (line %d): TLC reports %s, Go finds every invariant of %s.cfg holds",
				st.Num, st.Action, st.Line, want, m.name)
		case fails[0] != want:
			t.Errorf("state %d <%s> (line %d): TLC reports %s first, Go fails %v (first %s: %s)",
				st.Num, st.Action, st.Line, want, fails, fails[0], details[0])
		default:
			t.Logf("state %d <%s>: Go fails %v; %s: %s", st.Num, st.Action, fails, fails[0], details[0])
		}
	}
}

func mainInvariants(t *testing.T) []string {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(specDir, "MCPaxos.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	return CfgInvariants(string(cfg))
}
