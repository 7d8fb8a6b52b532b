package mpmodel

import (
	"math/rand/v2"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/multipaxos/mpworld"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// TestHistoryMatchesTrace: on random walks, the client history a state
// carries (graph.Options.History) says of every two operations what the
// walk's trace says (one was answered before the other was invoked, or
// not), and holds the answers the trace holds.
func TestHistoryMatchesTrace(t *testing.T) {
	const seed = 7
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	c := mp.NewConfig(3, 2, 1)
	s := mpworld.NewSetup(3, 2, 1, mpworld.Workload(&c, 3, 2, 1))
	s.MaxRound = 2
	s.Budget = graph.Budget{Drops: 2, Dups: 2, Crashes: 1}
	s.History = true
	answered := 0
	for walk := 0; walk < 300; walk++ {
		st, err := graph.Init(&s)
		if err != nil {
			t.Fatal(err)
		}
		var path []mpworld.Action
		var acts []mpworld.Action
		for len(path) < 150 {
			if acts = graph.Actions(&s, &st, acts[:0]); len(acts) == 0 {
				break
			}
			a := acts[rng.IntN(len(acts))]
			if _, err := graph.Apply(&s, &st, a); err != nil {
				t.Fatal(err)
			}
			path = append(path, a)
		}
		tr, err := mpworld.Record(&s, path, "test")
		if err != nil {
			t.Fatal(err)
		}
		ops, err := FromTrace(&tr)
		if err != nil {
			t.Fatal(err)
		}
		span := map[int]Span{}
		for _, op := range ops {
			cmd := op.Input.(mp.Command)
			k := s.OpOf(cmd.Client, cmd.Seq)
			span[k] = op.Metadata.(Span)
			if !st.Invoked.Has(k) {
				t.Fatalf("walk %d: operation %d invoked in the trace, not in the state", walk, k)
			}
			if o := op.Output.(Output); !o.Pending {
				answered++
				dec := mp.Decoder{B: []byte(st.History[k].Out)}
				if r := dec.Reply(); dec.Err != nil || r != o.Reply {
					t.Fatalf("walk %d: operation %d: the state holds answer %+v (%v), the trace %+v", walk, k, r, dec.Err, o.Reply)
				}
			}
		}
		if len(span) != len(ops) || len(ops) != st.Invoked.Len() {
			t.Fatalf("walk %d: %d operations in the trace, %d invoked in the state", walk, len(ops), st.Invoked.Len())
		}
		for j, sj := range span {
			for k, sk := range span {
				if sj.ReturnStep == 0 {
					continue
				}
				inState := st.History[j].Rank < st.History[k].Before
				inTrace := sj.ReturnStep < sk.InvokeStep
				if inState != inTrace {
					t.Fatalf("walk %d: operation %d answered before %d was invoked: %v in the state (%+v, %+v), %v in the trace (%v, %v)",
						walk, j, k, inState, st.History[j], st.History[k], inTrace, sj, sk)
				}
			}
		}
	}
	if answered < 100 {
		t.Fatalf("only %d answers in 300 walks: the test checks little", answered)
	}
}
