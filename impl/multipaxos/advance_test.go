package multipaxos

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestAdvanceIsStep: along random runs (seeded; losses, duplicates,
// reordering, timeouts, acceptor crashes and restarts), a node stepped by
// Advance, whose logs grow in place, is at every step the node Step
// gives, with the same effects; and the states Advance left behind are
// unchanged by the steps after them, as values (their encodings are what
// they were), so that a caller may keep one to diff against.
func TestAdvanceIsStep(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { advanceRun(t, seed) })
	}
}

func advanceRun(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x616476616e6365)) // "advance"
	c := NewConfig(3, 2, 4)
	pure, owned := map[NodeID]Node{}, map[NodeID]Node{}
	stored := map[NodeID]Durable{}
	for _, id := range c.Nodes() {
		n, err := NewNode(&c, id)
		if err != nil {
			t.Fatal(err)
		}
		pure[id], owned[id] = n, n
	}
	type kept struct {
		n   Node
		enc []byte
	}
	var old []kept
	var net []Message
	next := map[ClientID]uint32{}
	appended, shortcuts := 0, 0
	lastOwned := map[NodeID]Durable{}
	for step := 0; step < 6000; step++ {
		var id NodeID
		var in Input
		switch r := rng.IntN(100); {
		case r < 80 && len(net) > 0:
			k := rng.IntN(len(net))
			m := net[k]
			if rng.IntN(10) != 0 { // else it stays: a duplicate later
				net = append(net[:k:k], net[k+1:]...)
			}
			if rng.IntN(20) == 0 {
				continue // lost
			}
			id, in = m.To, Input{Kind: InDeliver, Msg: m}
		case r < 94:
			id = c.Proposers[rng.IntN(len(c.Proposers))]
			cl := ClientID(rng.IntN(4))
			next[cl]++
			in = Input{Kind: InRequest, Cmd: Command{Op: OpPut, Client: cl, Seq: next[cl], Key: fmt.Sprint("k", rng.IntN(3)), Val: fmt.Sprint(step)}}
		case r < 98:
			id, in = c.Proposers[rng.IntN(len(c.Proposers))], Input{Kind: InTimeout}
		default:
			id = c.Acceptors[rng.IntN(len(c.Acceptors))]
			in = Input{Kind: InCrash}
			if pure[id].Crashed {
				in = Input{Kind: InRestart, Durable: stored[id]}
			}
		}
		p := pure[id]
		if !p.Enabled(&c, in) {
			continue
		}
		o := owned[id]
		p, pe, perr := p.Step(&c, in)
		before := len(o.Mem.Votes) + len(o.Rep.Applied)
		oe, oerr := o.Advance(&c, in)
		if (perr == nil) != (oerr == nil) {
			t.Fatalf("step %d, %s at %d: Step says %v, Advance %v", step, in.Kind, id, perr, oerr)
		}
		if !bytes.Equal(p.AppendState(nil), o.AppendState(nil)) || !reflect.DeepEqual(pe, oe) {
			t.Fatalf("step %d, %s at %d: Advance gave\n%+v\n%+v\nStep gave\n%+v\n%+v", step, in.Kind, id, o, oe, p, pe)
		}
		if len(o.Mem.Votes)+len(o.Rep.Applied) > before {
			appended++
		}
		if step%7 == 0 {
			prev := owned[id]
			old = append(old, kept{prev, prev.AppendState(nil)})
		}
		pure[id], owned[id] = p, o
		if oe.Persist != nil {
			// A node process diffs each write against its last one
			// (storage.LogStore, its trace part): Delta's shortcut for
			// a log grown in place must give what comparing gives.
			if prev, ok := lastOwned[id]; ok {
				d, dok := Delta(prev, *oe.Persist)
				w, wok := deltaByCompare(prev, *oe.Persist)
				if dok != wok || !reflect.DeepEqual(d, w) {
					t.Fatalf("step %d at %d: Delta gave %+v, %v; comparing gives %+v, %v", step, id, d, dok, w, wok)
				}
				if n := oe.Persist.Votes; len(prev.Votes) > 0 && len(n) > len(prev.Votes) && &n[0] == &prev.Votes[0] {
					shortcuts++ // grown in place
				}
			}
			lastOwned[id] = *oe.Persist
			stored[id] = *pe.Persist
		}
		net = append(net, pe.Send...)
	}
	for i, k := range old {
		if !bytes.Equal(k.n.AppendState(nil), k.enc) {
			t.Fatalf("state %d that Advance left behind has changed", i)
		}
	}
	if shortcuts < 50 {
		t.Fatalf("Delta took its shortcut only %d times", shortcuts)
	}
	if appended < 150 {
		t.Fatalf("only %d steps grew a log: the runs do not exercise Advance", appended)
	}
	t.Logf("%d steps grew a log, %d writes diffed by Delta's shortcut; %d earlier states checked", appended, shortcuts, len(old))
}
