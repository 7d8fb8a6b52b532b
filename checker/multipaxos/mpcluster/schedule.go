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
	// EvBridge cuts the links between Side and the rest except Node,
	// the bridge, which still reaches both halves: with an odd number of
	// acceptors, each half and the bridge hold a majority of them (with
	// an even number, one half does not), so the bridge's promises
	// alone keep the halves' leaders apart. Node is killed (kill -9) just
	// after it sends its first promise (a 1b) while the bridge stands, and
	// restarted at once: an acceptor that forgot that promise lets the
	// other half's leader go on at its older ballot.
	EvBridge EventKind = "bridge"
)

// Nemesis is the set of faults a run's nemesis draws from.
type Nemesis struct {
	Kill, Partition, Bridge bool
}

// kinds are the faults n draws from, in a fixed order (kill, partition,
// bridge).
func (n Nemesis) kinds() []EventKind {
	var k []EventKind
	for _, f := range []struct {
		on   bool
		kind EventKind
	}{{n.Kill, EvKill}, {n.Partition, EvPartition}, {n.Bridge, EvBridge}} {
		if f.on {
			k = append(k, f.kind)
		}
	}
	return k
}

// Network reports whether n needs proxies on the links.
func (n Nemesis) Network() bool { return n.Partition || n.Bridge }

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
	case EvBridge:
		return fmt.Sprintf("%s  partition %s from the rest but node %d, the bridge; kill -9 node %d just after its next promise, and restart it", at, nodeSet(e.Side), e.Node, e.Node)
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
// time, each undone before the next, drawn from seed among the faults n
// asks for. A kill takes down one node (so at most a minority of the
// acceptors is ever down) for d/20 to d/8; a partition cuts a minority of
// the nodes from the rest for d/16 to d/6; a bridge stands as long as a
// partition. Faults start after d/10 and end by 9d/10, so the run begins
// and ends with a whole cluster. The draws for kill and partition alone
// are those before the bridge existed, so their schedules are unchanged.
func Schedule(seed uint64, d time.Duration, c *mp.Config, n Nemesis) []Event {
	kinds := n.kinds()
	if len(kinds) == 0 || d <= 0 {
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
		kind := kinds[0]
		if len(kinds) > 1 {
			kind = kinds[rng.IntN(len(kinds))]
		}
		var end time.Duration
		switch kind {
		case EvKill:
			n := nodes[rng.IntN(len(nodes))]
			end = t + between(d/20, d/8)
			out = append(out, Event{At: t, Kind: EvKill, Node: n}, Event{At: min(end, d*9/10), Kind: EvRestart, Node: n})
		case EvPartition:
			k := 1 + rng.IntN(max(1, (len(nodes)-1)/2))
			side := slices.Clone(nodes)
			rng.Shuffle(len(side), func(i, j int) { side[i], side[j] = side[j], side[i] })
			side = side[:k]
			slices.Sort(side)
			end = t + between(d/16, d/6)
			out = append(out, Event{At: t, Kind: EvPartition, Side: side}, Event{At: min(end, d*9/10), Kind: EvHeal})
		case EvBridge:
			bridge, side := bridgeOf(rng, c)
			end = t + between(d/16, d/6)
			out = append(out, Event{At: t, Kind: EvBridge, Node: bridge, Side: side}, Event{At: min(end, d*9/10), Kind: EvHeal})
		}
		t = min(end, d*9/10) + between(d/20, d/8)
	}
	return out
}

// bridgeOf draws a bridge acceptor and one half of the rest: half of the
// other acceptors (rounded down) and half of the proposers (rounded up),
// so that with an odd number of acceptors each half holds, with the
// bridge, a majority of them.
func bridgeOf(rng *rand.Rand, c *mp.Config) (mp.NodeID, []mp.NodeID) {
	acc := slices.Clone(c.Acceptors)
	rng.Shuffle(len(acc), func(i, j int) { acc[i], acc[j] = acc[j], acc[i] })
	props := slices.Clone(c.Proposers)
	rng.Shuffle(len(props), func(i, j int) { props[i], props[j] = props[j], props[i] })
	side := append(slices.Clone(acc[1:1+(len(acc)-1)/2]), props[:(len(props)+1)/2]...)
	slices.Sort(side)
	return acc[0], side
}
