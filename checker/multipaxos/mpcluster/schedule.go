package mpcluster

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

// EventKind is what the nemesis does at an event.
type EventKind string

// The nemesis's events.
const (
	EvKill      EventKind = "kill"      // kill -9 of Node
	EvRestart   EventKind = "restart"   // Node starts again from its files
	EvPartition EventKind = "partition" // the links between Side and the rest are cut
	EvHeal      EventKind = "heal"      // every link works again
)

// Event is one step of the nemesis's schedule, At after the workload
// starts.
type Event struct {
	At   time.Duration `json:"at"`
	Kind EventKind     `json:"kind"`
	Node mp.NodeID     `json:"node,omitempty"`
	Side []mp.NodeID   `json:"side,omitempty"`
}

// String renders e as the schedule prints it.
func (e Event) String() string {
	at := fmt.Sprintf("%6.2fs", e.At.Seconds())
	switch e.Kind {
	case EvKill:
		return fmt.Sprintf("%s  kill -9 node %d", at, e.Node)
	case EvRestart:
		return fmt.Sprintf("%s  restart node %d", at, e.Node)
	case EvPartition:
		return fmt.Sprintf("%s  partition %s from the rest", at, nodeSet(e.Side))
	}
	return at + "  heal every link"
}

func nodeSet(ids []mp.NodeID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return "{" + strings.Join(s, " ") + "}"
}

// Schedule is the nemesis's plan for a run of length d: one fault at a
// time, each undone before the next, drawn from seed. A kill takes down
// one node (so at most a minority of the acceptors is ever down) for
// d/20 to d/8; a partition cuts a minority of the nodes from the rest
// for d/16 to d/6. Faults start after d/10 and end by 9d/10, so the run
// begins and ends with a whole cluster.
func Schedule(seed uint64, d time.Duration, c *mp.Config, kill, partition bool) []Event {
	if !kill && !partition || d <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e656d65736973)) // "nemesis"
	between := func(lo, hi time.Duration) time.Duration {
		if hi <= lo {
			return lo
		}
		return lo + time.Duration(rng.Int64N(int64(hi-lo)))
	}
	nodes := c.Nodes()
	var out []Event
	t := between(d/10, d/5)
	for t < d*9/10 {
		doKill := kill && (!partition || rng.IntN(2) == 0)
		var end time.Duration
		if doKill {
			n := nodes[rng.IntN(len(nodes))]
			end = t + between(d/20, d/8)
			out = append(out, Event{At: t, Kind: EvKill, Node: n}, Event{At: min(end, d*9/10), Kind: EvRestart, Node: n})
		} else {
			k := 1 + rng.IntN(max(1, (len(nodes)-1)/2))
			side := slices.Clone(nodes)
			rng.Shuffle(len(side), func(i, j int) { side[i], side[j] = side[j], side[i] })
			side = side[:k]
			slices.Sort(side)
			end = t + between(d/16, d/6)
			out = append(out, Event{At: t, Kind: EvPartition, Side: side}, Event{At: min(end, d*9/10), Kind: EvHeal})
		}
		t = min(end, d*9/10) + between(d/20, d/8)
	}
	return out
}
