package mpcluster

import (
	"slices"
	"testing"
	"time"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// TestSchedule: the nemesis's plan is a function of the seed; one fault
// at a time, each undone, all inside the run's middle; a partition cuts
// a minority of the nodes; no fault asked for, no event.
func TestSchedule(t *testing.T) {
	c := mp.NewConfig(3, 2, 1)
	const d = 30 * time.Second
	for seed := uint64(1); seed <= 50; seed++ {
		ev := Schedule(seed, d, &c, Nemesis{Kill: true, Partition: true})
		if !slices.EqualFunc(ev, Schedule(seed, d, &c, Nemesis{Kill: true, Partition: true}), func(a, b Event) bool {
			return a.At == b.At && a.Kind == b.Kind && a.Node == b.Node && slices.Equal(a.Side, b.Side)
		}) {
			t.Fatalf("seed %d: two schedules differ", seed)
		}
		if len(ev) == 0 || len(ev)%2 != 0 {
			t.Fatalf("seed %d: %d events, want faults in pairs", seed, len(ev))
		}
		kinds := map[EventKind]bool{}
		for i := 0; i < len(ev); i += 2 {
			f, undo := ev[i], ev[i+1]
			kinds[f.Kind] = true
			switch {
			case f.At < d/10 || undo.At > d*9/10 || undo.At < f.At || i > 0 && f.At < ev[i-1].At:
				t.Fatalf("seed %d: %s then %s: out of order or outside the run's middle", seed, f, undo)
			case f.Kind == EvKill && (undo.Kind != EvRestart || undo.Node != f.Node):
				t.Fatalf("seed %d: %s is not undone by its restart but %s", seed, f, undo)
			case f.Kind == EvPartition && (undo.Kind != EvHeal || len(f.Side) == 0 || 2*len(f.Side) >= len(c.Nodes())):
				t.Fatalf("seed %d: %s: want a minority cut, then healed (got %s)", seed, f, undo)
			}
		}
		if seed == 1 && !(kinds[EvKill] && kinds[EvPartition]) {
			t.Errorf("seed 1 has kills %v and partitions %v: want both", kinds[EvKill], kinds[EvPartition])
		}
	}
	if ev := Schedule(1, d, &c, Nemesis{}); len(ev) != 0 {
		t.Errorf("no fault asked for, but %d events", len(ev))
	}
	for _, e := range Schedule(1, d, &c, Nemesis{Kill: true}) {
		if e.Kind == EvPartition {
			t.Fatalf("kills only, but %s", e)
		}
	}
}

// TestScheduleBridge: a bridge is an acceptor that both halves reach; each
// half, with it, holds a majority of the acceptors and a proposer; the
// bridge is undone by a heal; asked for beside kills, both come.
func TestScheduleBridge(t *testing.T) {
	const d = 30 * time.Second
	for _, shape := range [][2]int{{3, 2}, {5, 2}, {5, 3}, {3, 1}} {
		c := mp.NewConfig(shape[0], shape[1], 1)
		bridges := 0
		for seed := uint64(1); seed <= 30; seed++ {
			ev := Schedule(seed, d, &c, Nemesis{Bridge: true})
			if len(ev) == 0 || len(ev)%2 != 0 {
				t.Fatalf("%v seed %d: %d events, want faults in pairs", shape, seed, len(ev))
			}
			for i := 0; i < len(ev); i += 2 {
				f, undo := ev[i], ev[i+1]
				if f.Kind != EvBridge || undo.Kind != EvHeal || undo.At < f.At {
					t.Fatalf("%v seed %d: %s then %s, want a bridge and its heal", shape, seed, f, undo)
				}
				bridges++
				role, _, _ := c.RoleOf(f.Node)
				if role != mp.RoleAcceptor || slices.Contains(f.Side, f.Node) {
					t.Fatalf("%v seed %d: %s: the bridge must be an acceptor outside the side", shape, seed, f)
				}
				var half [2]struct{ acc, prop int }
				for _, id := range c.Nodes() {
					if id == f.Node {
						continue
					}
					h := &half[b2i(slices.Contains(f.Side, id))]
					if r, _, _ := c.RoleOf(id); r == mp.RoleAcceptor {
						h.acc++
					} else {
						h.prop++
					}
				}
				for k, h := range half {
					if 2*(h.acc+1) <= len(c.Acceptors) {
						t.Fatalf("%v seed %d: %s: half %d has %d acceptors with the bridge: no majority", shape, seed, f, k, h.acc+1)
					}
					if h.prop == 0 && len(c.Proposers) > 1 {
						t.Fatalf("%v seed %d: %s: half %d has no proposer", shape, seed, f, k)
					}
				}
			}
		}
		if bridges == 0 {
			t.Fatalf("%v: no bridge in 30 seeds", shape)
		}
	}
	c := mp.NewConfig(3, 2, 1)
	kinds := map[EventKind]int{}
	for seed := uint64(1); seed <= 20; seed++ {
		for _, e := range Schedule(seed, d, &c, Nemesis{Kill: true, Bridge: true}) {
			kinds[e.Kind]++
		}
	}
	if kinds[EvKill] == 0 || kinds[EvBridge] == 0 || kinds[EvPartition] != 0 {
		t.Fatalf("kills and bridges asked for, 20 seeds gave %v", kinds)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
