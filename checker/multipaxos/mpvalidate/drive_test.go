package mpvalidate

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpinvariant"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/checker/tlc/tlctest"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/spec"
)

// codeShapedTrace runs TLC on bug model name (spec/<name>.cfg) kept to
// the steps the Go leader takes (MCMultiPaxos's CodeShaped action
// constraint), with its commands or, when commands is set, those, and
// returns its error trace, nil if it finds none. One worker: TLC with
// more may find another shortest trace each run.
func codeShapedTrace(t *testing.T, jar, name, commands string) *tlc.Trace {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("../../../spec", name+".cfg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(text)
	if commands != "" {
		cfg = regexp.MustCompile(`Commands = \{[^}]*\}`).ReplaceAllString(cfg, "Commands = "+commands)
	}
	out, err := tlc.Run(context.Background(), jar, tlc.Model{Spec: spec.Modules, Root: "MCMultiPaxos",
		Config: cfg + "\nACTION_CONSTRAINT CodeShaped\n", Workers: 1, Dir: t.TempDir()})
	if err == nil {
		return nil
	}
	if !strings.Contains(out, "is violated") {
		t.Fatalf("TLC: %v", err)
	}
	// TLC's error report, as scripts/tlc.sh keeps it: from its first
	// "Error:" line to the state counts, without progress lines.
	var report []string
	on := false
	skip := regexp.MustCompile(`^(Finished in|Progress\(|Checking temporal properties|Finished checking temporal|Starting\.\.\.|Checking [0-9]+ branches|Implied-temporal checking)`)
	for _, l := range strings.Split(out, "\n") {
		if skip.MatchString(l) { // a progress line also counts states
			continue
		}
		on = on || strings.HasPrefix(l, "Error:")
		if on && strings.Contains(l, "states generated") {
			break
		}
		if on {
			report = append(report, l)
		}
	}
	tr, err := tlc.ParseString(strings.Join(report, "\n"))
	if err != nil {
		t.Fatalf("TLC's report: %v\n%s", err, strings.Join(report[:min(len(report), 12)], "\n"))
	}
	return tr
}

// bugOfModel is the code's bug that Multi-Paxos bug model name stands
// for (MCMultiPaxosBugNoDedup: no-dedup), if the code has it.
func bugOfModel(name string) (mp.Bug, bool) {
	camel := strings.TrimPrefix(name, "MCMultiPaxosBug")
	kebab := strings.ToLower(regexp.MustCompile(`([a-z0-9])([A-Z])`).ReplaceAllString(camel, "$1-$2"))
	b, err := mp.ParseBug(kebab)
	return b, err == nil
}

// TestDriveTLCTraces (issue 15, item 3, for Multi-Paxos): TLC's error
// trace of each bug model, kept to the Go leader's steps (CodeShaped), is
// run on the code with that bug, the same spec actions in the same order;
// the code takes every step, and its last state breaks the invariant TLC
// named. Where TLC finds no such trace at the models' bounds, it says so.
func TestDriveTLCTraces(t *testing.T) {
	jar := tlctest.Jar(t)
	models, err := filepath.Glob("../../../spec/MCMultiPaxosBug*.cfg")
	if err != nil || len(models) < 7 {
		t.Fatalf("%d Multi-Paxos bug models (%v)", len(models), err)
	}
	driven := 0
	for _, f := range models {
		name := strings.TrimSuffix(filepath.Base(f), ".cfg")
		t.Run(name, func(t *testing.T) {
			bug, ok := bugOfModel(name)
			if !ok {
				t.Skipf("the code has no bug %s stands for", name)
			}
			tr := codeShapedTrace(t, jar, name, "")
			if tr == nil && !strings.Contains(name, "AdoptLowest") {
				// With the no-op confined to holes, one command cannot
				// break Agreement at two ballots: a second command can.
				// (adopt-lowest-vote's model has three ballots: with two
				// commands TLC takes minutes.)
				tr = codeShapedTrace(t, jar, name, "{c1, c2}")
			}
			if tr == nil {
				t.Logf("TLC finds no counterexample that keeps to the Go leader's steps at these bounds")
				return
			}
			d, err := Drive(tr, mp.Bugs(bug))
			if err != nil {
				t.Fatal(err)
			}
			if d.Stuck != 0 {
				t.Fatalf("the code cannot take it: %s", d.Why)
			}
			only, err := mpinvariant.Select([]string{tr.Name})
			if err != nil {
				t.Fatal(err)
			}
			ops := make([]mp.Command, len(d.Setup.Ops))
			for k, op := range d.Setup.Ops {
				ops[k] = op.Cmd
			}
			c := mpinvariant.Checker{Setup: &mpinvariant.Setup{Acceptors: d.Setup.Config.Acceptors, Ops: ops}, Only: only}
			if v := c.Check(&d.State, len(d.Path)); v == nil {
				t.Fatalf("the code took all %d spec steps in %d steps, and does not break %s (first broken: %v)", len(tr.States)-1, len(d.Path), tr.Name, d.Violation)
			}
			driven++
			t.Logf("%d spec steps as %d code steps; %s broken", len(tr.States)-1, len(d.Path), tr.Name)
		})
	}
	if driven < 5 {
		t.Errorf("only %d TLC traces run on the code to their violation", driven)
	}
}

// TestDriveCorrectCodeRefusesABugsStep: apply-before-chosen's trace, run
// on the correct code, stops at the spec step where the bug acts (a
// replica applies a slot that is not chosen): the code cannot take it,
// and says so. So does TLC's unconstrained trace of no-hole-fill at its
// first step the Go code never takes (a ballot started while no client
// waits).
func TestDriveCorrectCodeRefusesABugsStep(t *testing.T) {
	jar := tlctest.Jar(t)
	tr := codeShapedTrace(t, jar, "MCMultiPaxosBugApplyBeforeChosen", "")
	if tr == nil {
		t.Fatal("no trace")
	}
	d, err := Drive(tr, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := slicesIndex(tr, "ApplyBeforeChosen") + 1
	if at == 0 || d.Stuck != at || !strings.Contains(d.Why, "is reached by no run") {
		t.Fatalf("stuck at %d (%s), want at the ApplyBeforeChosen step, state %d", d.Stuck, d.Why, at)
	}
	t.Log(d.Why)

	text, err := os.ReadFile("../../../traces/tlc/MCMultiPaxosBugNoHoleFill.txt")
	if err != nil {
		t.Fatal(err)
	}
	if tr, err = tlc.ParseString(string(text)); err != nil {
		t.Fatal(err)
	}
	bug, _ := bugOfModel("MCMultiPaxosBugNoHoleFill")
	if d, err = Drive(tr, mp.Bugs(bug)); err != nil {
		t.Fatal(err)
	}
	if at := slicesIndex(tr, "Phase1a") + 1; d.Stuck != at {
		t.Fatalf("stuck at %d (%s), want at the first Phase1a, state %d", d.Stuck, d.Why, at)
	}
	t.Log(d.Why)
}

// slicesIndex is the index of tr's first state reached by action act.
func slicesIndex(tr *tlc.Trace, act string) int {
	for i, s := range tr.States {
		if strings.HasPrefix(s.Action, act+"(") {
			return i
		}
	}
	return -1
}
