package mpvalidate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpinvariant"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
)

// TestTLCTracesAgreeWithGo: every error trace TLC found in a Multi-Paxos
// bug's model (traces/tlc/MCMultiPaxosBug*.txt, written by make
// tlc-traces) reads as states of the spec's variables (FromTLC), and the
// Go twin of the invariant TLC names holds on every state but the last,
// where it breaks, as TLC's did: the spec's invariants and their Go
// twins agree on TLC's own counterexamples. A model whose trace is
// missing fails, so that a new bug model brings its trace.
func TestTLCTracesAgreeWithGo(t *testing.T) {
	models, err := filepath.Glob("../../../spec/MCMultiPaxosBug*.cfg")
	if err != nil || len(models) < 7 {
		t.Fatalf("%d Multi-Paxos bug models (%v)", len(models), err)
	}
	for _, m := range models {
		name := strings.TrimSuffix(filepath.Base(m), ".cfg")
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("../../../traces/tlc", name+".txt"))
			if err != nil {
				t.Fatalf("no TLC trace (make tlc-traces writes it): %v", err)
			}
			tr, err := tlc.ParseString(string(text))
			if err != nil {
				t.Fatal(err)
			}
			only, err := mpinvariant.Select([]string{tr.Name})
			if err != nil {
				t.Fatal(err)
			}
			for i := range tr.States {
				a, err := FromTLC(&tr.States[i])
				if err != nil {
					t.Fatal(err)
				}
				broken := only[0].Check(a.View())
				last := i == len(tr.States)-1
				if (broken != nil) != last {
					t.Fatalf("state %d of %d (%s): %s broken: %v", i+1, len(tr.States), tr.States[i].Action, tr.Name, broken)
				}
				if last {
					t.Logf("%d states; at the last (%s): %v", len(tr.States), tr.States[i].Action, broken)
				}
			}
		})
	}
}
