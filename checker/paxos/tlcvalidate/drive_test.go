package tlcvalidate

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/replay"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces"
)

// cfgBugs reads the catalogue bugs a model's cfg switches on: Bug = "x",
// NotPersisted = {"y", ...}, Quorums <- MinorityQuorums.
func cfgBugs(t *testing.T, cfg string) paxos.Bugs {
	t.Helper()
	var bs paxos.Bugs
	for _, m := range regexp.MustCompile(`(?m)^\s*(?:Bug = |NotPersisted = \{)([^}\n]*)`).FindAllStringSubmatch(cfg, -1) {
		for _, n := range strings.Split(m[1], ",") {
			n = strings.Trim(strings.TrimSpace(n), `"`)
			if n == "" || n == "none" {
				continue
			}
			b, err := paxos.ParseBug(n)
			if err != nil {
				t.Fatal(err)
			}
			bs |= paxos.Bugs(b)
		}
	}
	if strings.Contains(cfg, "Quorums <- MinorityQuorums") {
		bs |= paxos.Bugs(paxos.BugMinorityQuorum)
	}
	return bs
}

// TestDriveTLCTraces (issue 15, item 3): every error trace TLC found in a
// bug's model (traces/tlc) is run on the code with that bug, the same spec
// actions in the same order; where the code takes every step, its last
// state breaks the invariant TLC named.
func TestDriveTLCTraces(t *testing.T) {
	files, err := filepath.Glob("../../../traces/tlc/MCBug*.txt")
	if err != nil || len(files) < 10 {
		t.Fatalf("%d TLC traces (%v)", len(files), err)
	}
	var driven, stuck atomic.Int32
	defer func() {
		t.Logf("%d TLC traces run on the code to their violation, %d with a step the code cannot take", driven.Load(), stuck.Load())
		if driven.Load() < int32(len(files))-2 {
			t.Errorf("only %d of %d TLC traces run on the code", driven.Load(), len(files))
		}
	}()
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := tlc.ParseString(string(text))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := os.ReadFile(filepath.Join("../../../spec", name+".cfg"))
			if err != nil {
				t.Fatal(err)
			}
			d, err := Drive(tr, cfgBugs(t, string(cfg)))
			if err != nil {
				t.Fatal(err)
			}
			if d.Stuck != 0 {
				// Reported, not forced: a step the code cannot take.
				if d.Stuck < 2 || d.Stuck > len(tr.States) || !strings.Contains(d.Why, "is reached by no run of at most") {
					t.Errorf("stuck at %d of %d: %q", d.Stuck, len(tr.States), d.Why)
				}
				stuck.Add(1)
				t.Logf("the code cannot take it: %s", d.Why)
				return
			}
			// The run breaks the invariant TLC named (the Safety models
			// check Agreement alone; every invariant, Go checks in
			// order, may break before it, as in TLC's state).
			only, err := invariant.Select([]string{tr.Name})
			if err != nil {
				t.Fatal(err)
			}
			if v := (&invariant.Checker{Only: only}).CheckWorld(&d.Setup, &d.State, 0); v == nil {
				t.Errorf("the code took all %d spec steps in %d steps, and does not break %s (first broken: %v)", len(tr.States)-1, len(d.Trace.Steps), tr.Name, d.Violation)
				return
			}
			driven.Add(1)
			// The code's run is a trace of its own: check replays it.
			if v, err := paxosmodel.Check(&d.Trace, replay.Options{}); err != nil || v.Divergence != nil || !slices.ContainsFunc(v.Broken, func(b traces.Violation) bool { return b.Invariant == tr.Name }) {
				t.Errorf("the code's run does not replay to a breach of %s: %v %v %v", tr.Name, err, v.Divergence, v.Broken)
			}
			t.Logf("%d spec steps as %d code steps; %s broken", len(tr.States)-1, len(d.Trace.Steps), tr.Name)
		})
	}
}

// TestDriveCorrectCodeRefusesABugsStep: the skip-prepare model's trace,
// run on the correct code, stops at the spec step where the bug acts (a
// 2a with no phase 1): the code cannot take it, and says so.
func TestDriveCorrectCodeRefusesABugsStep(t *testing.T) {
	text, err := os.ReadFile("../../../traces/tlc/MCBugSkipPrepare.txt")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := tlc.ParseString(string(text))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Drive(tr, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := slices.IndexFunc(tr.States, func(s tlc.State) bool { return strings.HasPrefix(s.Action, "BugPhase2a") }) + 1
	if at == 0 || d.Stuck != at || !strings.Contains(d.Why, "2a(b=") {
		t.Fatalf("stuck at %d (%s), want at the first BugPhase2a, state %d", d.Stuck, d.Why, at)
	}
	t.Log(d.Why)
}
