package invariant

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// TestCheckerMatchesCheckWorld: the Checker, which reuses its buffers,
// gives CheckWorld's verdict on every state of seeded buggy runs, and a
// violation it returned keeps its state when the Checker goes on.
func TestCheckerMatchesCheckWorld(t *testing.T) {
	s := faultySetup(paxos.Bugs(paxos.BugSkipPrepare))
	var c Checker
	for seed := uint64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		st, err := world.Init(&s)
		if err != nil {
			t.Fatal(err)
		}
		for step := 1; step <= maxSteps; step++ {
			acts := st.Actions(&s, nil)
			if len(acts) == 0 {
				break
			}
			if _, err := st.Apply(&s, acts[rng.IntN(len(acts))]); err != nil {
				t.Fatal(err)
			}
			want, got := CheckWorld(&s, &st, step), c.CheckWorld(&s, &st, step)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("seed %d step %d: Checker says %v, CheckWorld %v", seed, step, got, want)
			}
			if got == nil {
				continue
			}
			kept := fmt.Sprintf("%+v", got.State)
			// Another state, differing in every list the abstraction has.
			other := st.Clone()
			for i := range s.Config.Acceptors {
				other.Nodes[i].Crashed = false
				other.Nodes[i].Mem = paxos.Durable{MaxBal: paxos.Ballot{Round: 99}, MaxVBal: paxos.Ballot{Round: 98}, MaxVal: "zz"}
			}
			other.Sent = []paxos.Message{{Type: paxos.Msg2a, From: s.Config.Proposers[0], Bal: paxos.Ballot{Round: 97}, Val: "zz"}}
			other.Invoked = graph.Clients{}
			c.CheckWorld(&s, &other, 0)
			if now := fmt.Sprintf("%+v", got.State); now != kept {
				t.Fatalf("the violation's state changed when the Checker went on:\nwas %s\nnow %s", kept, now)
			}
			return
		}
	}
	t.Fatal("no violation in 200 runs: the comparison never compared one")
}
