package viewer_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/paxos/scenario"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func scenarioTrace(t testing.TB, name string) paxostrace.Trace {
	t.Helper()
	sc, err := scenario.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sc.Run()
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestGolden pins the whole generated page for the normal scenario.
func TestGolden(t *testing.T) {
	tr := scenarioTrace(t, "normal")
	var buf bytes.Buffer
	if err := paxosmodel.WriteHTML(&buf, &tr, viewer.Options{Title: "scenario normal"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "normal.html")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./checker/viewer -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("%s is stale (run go test ./checker/viewer -update and review the diff)", path)
	}
}

// TestSelfContained checks that the page loads nothing from the network.
func TestSelfContained(t *testing.T) {
	tr := scenarioTrace(t, "dueling-proposers")
	var buf bytes.Buffer
	if err := paxosmodel.WriteHTML(&buf, &tr, viewer.Options{}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script src", "<link ", "@import", "src=\"http", "href=\"http"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must not load anything", bad)
		}
	}
	for _, id := range []string{`id="prev"`, `id="next"`, `id="state"`, `id="data"`} {
		if !strings.Contains(page, id) {
			t.Errorf("page lacks %s", id)
		}
	}
}

// TestStates checks the replayed states against what each scenario is
// known to end with, and the invariant table against the trace header.
func TestStates(t *testing.T) {
	tests := []struct {
		name     string
		learner  string // text of node-5 at the end contains this
		crashed  string // node whose card says crashed at the end, "" none
		violated string
	}{
		{name: "normal", learner: "learned: x"},
		{name: "proposer-crash-after-phase2a", learner: "learned: x", crashed: "node-3"},
		{name: "promise-not-persisted", learner: "learned: x", violated: "Msg1bInv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := scenarioTrace(t, tc.name)
			p, err := paxosmodel.BuildPage(&tr, viewer.Options{NoPorcupine: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.States) != len(tr.Steps)+1 || len(p.Invariants) != len(p.States) {
				t.Fatalf("%d states, %d invariant rows for %d steps", len(p.States), len(p.Invariants), len(tr.Steps))
			}
			last := p.States[len(p.States)-1]
			for _, n := range last {
				if n.ID == "node-5" && !strings.Contains(n.Text(), tc.learner) {
					t.Errorf("learner at the end:\n%s\nwant %q", n.Text(), tc.learner)
				}
				if crashed := strings.Contains(n.Text(), "status: crashed"); crashed != (n.ID == tc.crashed) {
					t.Errorf("%s crashed=%v at the end", n.ID, crashed)
				}
			}
			if first := p.States[0]; strings.Contains(first[len(first)-1].Text(), "→") {
				t.Errorf("network not empty initially: %s", first[len(first)-1].Text())
			}
			// The first failing row must be the header's violation.
			got := ""
			for i, row := range p.Invariants {
				for _, r := range row {
					if !r.OK && got == "" {
						got = r.Name
						if tr.Header.Violation == nil || tr.Header.Violation.Step != i {
							t.Errorf("first failure %s at step %d, header says %+v", r.Name, i, tr.Header.Violation)
						}
					}
				}
			}
			if got != tc.violated {
				t.Errorf("first violated invariant %q, want %q", got, tc.violated)
			}
		})
	}
}

// TestBadTrace: a trace whose step cannot be replayed is an error naming
// the step, not a page.
func TestBadTrace(t *testing.T) {
	tr := scenarioTrace(t, "normal")
	tr.Steps = tr.Steps[2:] // deliveries of 1a messages never sent
	if _, err := paxosmodel.BuildPage(&tr, viewer.Options{NoPorcupine: true}); err == nil || !strings.Contains(err.Error(), "step 3") {
		t.Fatalf("Build of a broken trace = %v, want an error at step 3", err)
	}
}
