package mpinvariant

import (
	"testing"

	"github.com/paxoscheck/paxoscheck/internal/pairing"
)

// TestPairing checks the pairing of DESIGN.md, "Spec and Go, visibly
// paired" (internal/pairing), between spec/MultiPaxos.tla with its models
// spec/MCMultiPaxos*.cfg and this package's All.
func TestPairing(t *testing.T) {
	side := pairing.Side{Spec: "MultiPaxos.tla", Models: "MCMultiPaxos", Pkg: "checker/multipaxos/mpinvariant"}
	var names []string
	var funcs []any
	for _, inv := range All {
		names, funcs = append(names, inv.Name), append(funcs, inv.Check)
	}
	p, found, err := side.Read("../../../spec", names, funcs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatal("spec/ has no MCMultiPaxos*.cfg")
	}
	for _, b := range side.Compare(p) {
		t.Error(b)
	}
}
