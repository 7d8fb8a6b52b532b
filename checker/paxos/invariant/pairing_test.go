package invariant

import (
	"testing"

	"github.com/paxoscheck/paxoscheck/internal/pairing"
)

// TestPairing checks the pairing of DESIGN.md, "Spec and Go, visibly
// paired" (internal/pairing), between spec/Paxos.tla with its models
// (spec/MC*.cfg but MultiPaxos's) and this package's All.
func TestPairing(t *testing.T) {
	side := pairing.Side{Spec: "Paxos.tla", Models: "MC", Pkg: "checker/paxos/invariant"}
	var names []string
	var funcs []any
	for _, inv := range All {
		names, funcs = append(names, inv.Name), append(funcs, inv.Check)
	}
	p, found, err := side.Read("../../../spec", names, funcs, []string{"MCMultiPaxos"})
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatal("spec/ has no MC*.cfg of Paxos")
	}
	for _, b := range side.Compare(p) {
		t.Error(b)
	}
}
