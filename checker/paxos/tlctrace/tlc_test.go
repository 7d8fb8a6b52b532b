package tlctrace

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
)

// The agreement test of issue 3 (acceptance, third bullet): every state of
// every TLC error trace in traces/tlc, fed to the Go invariants, must give
// the verdict TLC gave. Before the last state all of the model's cfg
// invariants hold; in the last state the invariant TLC names fails, and it
// is the first failing one in the cfg's order (the order TLC checks them
// in).

const (
	specDir  = "../../../spec"
	traceDir = "../../../traces/tlc"
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

// paxosModel reports whether m is a model of single-decree Paxos (its
// module is MCPaxos or one of its variants), whose states the Go twins of
// this package read.
func paxosModel(m model) bool { return strings.HasPrefix(m.module, "MCPaxos") }

func TestTLCTracesAgreeWithGo(t *testing.T) {
	expected := readExpected(t)
	files, err := filepath.Glob(filepath.Join(traceDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no TLC traces in %s", traceDir)
	}
	// Every model of single-decree Paxos that must fail has its trace,
	// and every trace of one its model. (Other protocols' models, such as
	// MultiPaxos's, have twins of their own.)
	var failing []string
	for name, m := range expected {
		if m.verdict != "ok" && paxosModel(m) {
			failing = append(failing, name)
		}
	}
	var have []string
	var paxosFiles []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		if m, ok := expected[name]; ok && !paxosModel(m) {
			continue
		}
		have = append(have, name)
		paxosFiles = append(paxosFiles, f)
	}
	files = paxosFiles
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
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	problems, notes, err := agree(m, string(cfg), string(text), mainInvariants(t), Select)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, n := range notes {
		t.Log(n)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// agree compares TLC's verdict on every state of a trace with Go's, and
// returns each disagreement as one line (and, as notes, what Go says of the
// last state). cfg is the model's cfg; mainNames the invariants checked on
// a liveness trace whose cfg checks none; sel maps names to Go twins (a
// parameter so that the test can show agree catches a wrong twin).
func agree(m model, cfg, text string, mainNames []string, sel func([]string) ([]invariant.Invariant, error)) (problems, notes []string, err error) {
	names := CfgInvariants(cfg)
	tr, err := tlc.ParseString(text)
	if err != nil {
		return nil, nil, err
	}
	last := len(tr.States) - 1
	switch {
	case strings.HasPrefix(m.verdict, "violation of "):
		want := strings.TrimPrefix(m.verdict, "violation of ")
		if tr.Verdict != tlc.InvariantViolated || tr.Name != want {
			return nil, nil, fmt.Errorf("TLC's trace reports %v %q, spec/expected.tsv says %q", tr.Verdict, tr.Name, m.verdict)
		}
		if !slices.Contains(names, want) {
			return nil, nil, fmt.Errorf("%s.cfg does not check %s", m.name, want)
		}
	case m.verdict == "property violated":
		// A liveness counterexample: no invariant is broken on the way,
		// so every state, the last included, must pass them all.
		if tr.Verdict != tlc.PropertyViolated {
			return nil, nil, fmt.Errorf("TLC's trace reports %v %q, spec/expected.tsv says %q", tr.Verdict, tr.Name, m.verdict)
		}
		if !tr.Stuttering && tr.LoopTo == 0 {
			return nil, nil, errors.New("a temporal property's counterexample without a lasso (Stuttering or Back to state)")
		}
		last = len(tr.States)
		if len(names) == 0 {
			// MCPaxosNoFairness checks no invariant; the states it visits
			// are reachable states of spec/Paxos.tla all the same, so
			// they must pass every invariant of MCPaxos.cfg.
			names = mainNames
		}
	default:
		return nil, nil, fmt.Errorf("spec/expected.tsv verdict %q has no TLC trace to check", m.verdict)
	}
	invs, err := sel(names)
	if err != nil {
		return nil, nil, fmt.Errorf("%s.cfg: %w", m.name, err)
	}
	for i := range tr.States {
		st := &tr.States[i]
		a, err := ToAbstract(st)
		if err != nil {
			return nil, nil, err
		}
		fails, details := Failing(&a, invs)
		if i < last {
			if len(fails) > 0 {
				problems = append(problems, fmt.Sprintf("state %d <%s> (line %d): TLC found no violation, Go fails %v (first %s: %s)",
					st.Num, st.Action, st.Line, fails, fails[0], details[0]))
			}
			continue
		}
		switch want := tr.Name; {
		case len(fails) == 0:
			problems = append(problems, fmt.Sprintf("state %d <%s> (line %d): TLC reports %s, Go finds every invariant of %s.cfg holds",
				st.Num, st.Action, st.Line, want, m.name))
		case fails[0] != want:
			problems = append(problems, fmt.Sprintf("state %d <%s> (line %d): TLC reports %s first, Go fails %v (first %s: %s)",
				st.Num, st.Action, st.Line, want, fails, fails[0], details[0]))
		default:
			notes = append(notes, fmt.Sprintf("state %d <%s>: Go fails %v; %s: %s", st.Num, st.Action, fails, fails[0], details[0]))
		}
	}
	if last == len(tr.States) {
		notes = append(notes, fmt.Sprintf("all %d states pass %v", len(tr.States), names))
	}
	return problems, notes, nil
}

// TestAgreeFindsDisagreement shows that agree is not a test that cannot
// fail: with a Go twin replaced by one that always holds, or always fails,
// or with the violating state cut off the trace, it reports the
// disagreement.
func TestAgreeFindsDisagreement(t *testing.T) {
	expected := readExpected(t)
	read := func(name string) (cfg, text string) {
		c, err := os.ReadFile(filepath.Join(specDir, name+".cfg"))
		if err != nil {
			t.Fatal(err)
		}
		x, err := os.ReadFile(filepath.Join(traceDir, name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		return string(c), string(x)
	}
	// replace returns a Select that swaps the twin of name for check.
	replace := func(name string, check func(*invariant.Abstract) error) func([]string) ([]invariant.Invariant, error) {
		return func(names []string) ([]invariant.Invariant, error) {
			invs, err := Select(names)
			for i := range invs {
				if invs[i].Name == name {
					invs[i].Check = check
				}
			}
			return invs, err
		}
	}
	holds := func(*invariant.Abstract) error { return nil }
	fails := func(*invariant.Abstract) error { return errors.New("always fails") }
	cutLast := func(text string) string {
		i := strings.LastIndex(text, "\nState ")
		return text[:i+1]
	}
	tests := []struct {
		name, model string
		edit        func(string) string
		sel         func([]string) ([]invariant.Invariant, error)
		want        string
	}{
		{"violated twin always holds", "MCBugSkipPrepare", nil, replace("Msg2aInv", holds), "Go finds every invariant of MCBugSkipPrepare.cfg holds"},
		{"earlier twin always fails", "MCBugSkipPrepare", nil, replace("AccInv", fails), "state 1 <Initial predicate> (line 3): TLC found no violation, Go fails [AccInv]"},
		{"earlier twin fails first at the end", "MCBugAcceptBelowPromise", nil,
			replace("Msg2bInv", func(a *invariant.Abstract) error { return invariant.PromiseKept(a) }),
			"TLC reports PromiseKept first, Go fails [Msg2bInv PromiseKept]"},
		{"liveness state breaks an invariant", "MCPaxosNoFairness", nil, replace("VotesSafe", fails), "TLC found no violation, Go fails [VotesSafe]"},
		{"violating state cut off", "MCBugMinorityQuorum", cutLast, Select, "TLC reports Msg2aInv, Go finds every invariant"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, text := read(tc.model)
			if tc.edit != nil {
				text = tc.edit(text)
			}
			problems, _, err := agree(expected[tc.model], cfg, text, mainInvariants(t), tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) == 0 {
				t.Fatalf("agree found no disagreement, want one containing %q", tc.want)
			}
			if !strings.Contains(problems[0], tc.want) {
				t.Fatalf("first disagreement %q, want it to contain %q (all: %q)", problems[0], tc.want, problems)
			}
		})
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

// TestTLCStatesTypeOK: Go's TypeOK is stricter than the spec's in one
// conjunct (a 1b reports "no vote" as mbal=-1 together with mval=None;
// the spec gets it from AccInv when the 1b is sent). Every state TLC visits
// in any trace, the Safety models' included (their cfgs do not check
// TypeOK), is reachable, so it must pass Go's TypeOK. The log names, for
// each Safety model, the first state where the full invariant list of
// MCPaxos.cfg fails: the inductive parts catch the bug before Agreement.
func TestTLCStatesTypeOK(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(traceDir, "MCBug*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no TLC traces in %s (%v)", traceDir, err)
	}
	full, err := Select(mainInvariants(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := tlc.ParseString(string(text))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		first := ""
		for i := range tr.States {
			a, err := ToAbstract(&tr.States[i])
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if err := invariant.TypeOK(&a); err != nil {
				t.Errorf("%s state %d: Go's TypeOK fails on a reachable state: %v", filepath.Base(f), tr.States[i].Num, err)
			}
			if names, _ := Failing(&a, full); first == "" && len(names) > 0 {
				first = fmt.Sprintf("state %d of %d fails %v", tr.States[i].Num, len(tr.States), names)
			}
		}
		if strings.HasSuffix(f, "Safety.txt") {
			t.Logf("%s: with every invariant of MCPaxos.cfg, %s", filepath.Base(f), first)
		}
	}
}

// TestMutatedTracesNeverPanic: a real TLC trace with one byte changed, cut
// short or with a line dropped parses and converts, or fails with a
// one-line error; never a panic.
func TestMutatedTracesNeverPanic(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(traceDir, "MCBug*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no TLC traces in %s (%v)", traceDir, err)
	}
	var texts []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	rapid.Check(t, func(t *rapid.T) {
		text := []byte(rapid.SampledFrom(texts).Draw(t, "trace"))
		i := rapid.IntRange(0, len(text)-1).Draw(t, "at")
		switch rapid.IntRange(0, 2).Draw(t, "how") {
		case 0:
			text[i] = rapid.SampledFrom([]byte("{}[]()<>,:@|-\"\\ \n/a1v0SE")).Draw(t, "byte")
		case 1:
			text = text[:i]
		default:
			lines := strings.Split(string(text), "\n")
			j := i % len(lines)
			text = []byte(strings.Join(append(lines[:j:j], lines[j+1:]...), "\n"))
		}
		tr, err := tlc.ParseString(string(text))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("Parse error spans lines: %q", err)
			}
			return
		}
		for k := range tr.States {
			a, err := ToAbstract(&tr.States[k])
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("ToAbstract error spans lines: %q", err)
				}
				continue
			}
			invariant.Check(&a, k)
		}
	})
}

// BenchmarkParseAndCheck parses every single-decree trace of traces/tlc
// (MCBug*; the Multi-Paxos ones are checker/multipaxos/mpvalidate's) and
// checks every state with all the Go invariants.
func BenchmarkParseAndCheck(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(traceDir, "MCBug*.txt"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no TLC traces in %s (%v)", traceDir, err)
	}
	var texts []string
	for _, f := range files {
		t, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, string(t))
	}
	for b.Loop() {
		for _, text := range texts {
			tr, err := tlc.ParseString(text)
			if err != nil {
				b.Fatal(err)
			}
			for k := range tr.States {
				a, err := ToAbstract(&tr.States[k])
				if err != nil {
					b.Fatal(err)
				}
				invariant.Check(&a, k)
			}
		}
	}
}
