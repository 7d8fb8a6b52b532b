package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCatalogueApplies: every mutant of the checked-in catalogue applies to
// today's code (its lines occur exactly once) and changes it, so that a
// mutant never goes stale unnoticed; check-runs.txt parses.
func TestCatalogueApplies(t *testing.T) {
	root := filepath.Join("..", "..")
	ms, err := readMutants(filepath.Join(root, "impl/paxos/testdata/mutants.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 15 {
		t.Errorf("%d mutants, want at least 15", len(ms))
	}
	for _, m := range ms {
		src, err := os.ReadFile(filepath.Join(root, m.File))
		if err != nil {
			t.Fatalf("mutant %s: %v", m.Name, err)
		}
		out, err := m.Apply(src)
		if err != nil {
			t.Error(err)
			continue
		}
		if bytes.Equal(out, src) {
			t.Errorf("mutant %s changes nothing", m.Name)
		}
		if !strings.HasPrefix(m.File, "impl/paxos/") {
			t.Errorf("mutant %s mutates %s, outside impl/paxos", m.Name, m.File)
		}
	}
	f, err := os.Open(filepath.Join(root, "scripts/check-runs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := ParseRuns(f, "check-runs.txt"); err != nil {
		t.Fatal(err)
	}
}

// TestParseErrors: a malformed catalogue is refused with its line.
func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"before first":  "file x.go\n",
		"unknown key":   "mutant a\nfile x.go\nwhat w\nwhy not\n-x\n",
		"no old lines":  "mutant a\nfile x.go\nwhat w\n+x\n",
		"old after new": "mutant a\nfile x.go\nwhat w\n-x\n+y\n-z\n",
		"twice":         "mutant a\nfile x.go\nwhat w\n-x\nmutant a\nfile x.go\nwhat w\n-x\n",
		"bad name":      "mutant a b\nfile x.go\nwhat w\n-x\n",
		"empty":         "# nothing\n",
	}
	for name, in := range cases {
		if _, err := Parse(strings.NewReader(in), "m.txt"); err == nil || !strings.HasPrefix(err.Error(), "m.txt") {
			t.Errorf("%s: error %v, want one naming m.txt", name, err)
		}
	}
}

// TestApply: the lines are replaced once, as whole lines; missing or
// repeated lines are refused.
func TestApply(t *testing.T) {
	m := Mutant{Name: "m", File: "f.go", Old: []string{"\tb := 1"}, New: []string{"\tb := 2"}}
	out, err := m.Apply([]byte("a\n\tb := 1\nc\n"))
	if err != nil || string(out) != "a\n\tb := 2\nc\n" {
		t.Fatalf("got %q, %v", out, err)
	}
	if _, err := m.Apply([]byte("a\n\tb := 10\n")); err == nil {
		t.Error("a partial line matched")
	}
	if _, err := m.Apply([]byte("\tb := 1\n\tb := 1\n")); err == nil {
		t.Error("two matches accepted")
	}
	del := Mutant{Name: "d", File: "f.go", Old: []string{"x"}}
	if out, err := del.Apply([]byte("x\ny\n")); err != nil || string(out) != "y\n" {
		t.Errorf("deletion: %q, %v", out, err)
	}
}

// TestReport: a surviving mutant, a killed "equivalent" one and a
// disagreement of the reductions fail the harness; the score counts.
func TestReport(t *testing.T) {
	ok := result{M: &Mutant{Name: "a"}, Explorer: verdict{Killed: true, Invariant: "Agreement", Steps: 9}, Sim: verdict{Killed: true}, OnOff: "agree"}
	eq := result{M: &Mutant{Name: "e", Equivalent: "why"}, Tests: verdict{Killed: true}, OnOff: "agree"}
	table, bad := report([]result{ok, eq}, true)
	if bad || !strings.Contains(table, "killed 1 of 1 non-equivalent") {
		t.Fatalf("bad %v:\n%s", bad, table)
	}
	for name, r := range map[string]result{
		"survivor":      {M: &Mutant{Name: "s"}, Sim: verdict{Killed: true}, OnOff: "agree"},
		"only explorer": {M: &Mutant{Name: "o"}, Explorer: verdict{Killed: true}, OnOff: "agree"},
		"killed equiv":  {M: &Mutant{Name: "k", Equivalent: "why"}, Sim: verdict{Killed: true}, OnOff: "agree"},
		"reductions":    {M: &Mutant{Name: "r"}, Explorer: verdict{Killed: true}, Sim: verdict{Killed: true}, OnOff: "DIFFER"},
		"checker error": {M: &Mutant{Name: "x"}, Explorer: verdict{Killed: true}, Sim: verdict{Err: "boom"}, Tests: verdict{Killed: true}, OnOff: "agree"},
	} {
		if table, bad := report([]result{ok, r}, true); !bad || !strings.Contains(table, "PROBLEM") {
			t.Errorf("%s: not a problem:\n%s", name, table)
		}
	}
}

// TestParseRunsSkipsOtherProtocols: lines of another protocol than
// single-decree Paxos are not run on impl/paxos's mutants.
func TestParseRunsSkipsOtherProtocols(t *testing.T) {
	in := "explore --acceptors 3\nexplore --protocol multipaxos --proposers 2\nexplore --protocol=multipaxos\nexplore --protocol paxos --clients 2\n" +
		"simulate --runs 5\nsimulate --protocol multipaxos --runs 5\nreductions explore --acceptors 3\n"
	r, err := ParseRuns(strings.NewReader(in), "runs.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Explore) != 2 || len(r.Simulate) != 1 || len(r.Reductions) != 1 {
		t.Fatalf("kept %d explore, %d simulate, %d reductions lines; want 2, 1, 1", len(r.Explore), len(r.Simulate), len(r.Reductions))
	}
}
