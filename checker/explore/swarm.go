package explore

import (
	"sync/atomic"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// Swarm verification (Holzmann): many depth-first searches of one graph,
// each taking every state's successors in its own seeded order and
// bounded, with no coordination between them. Bounded searches in
// different orders reach different parts of a graph too large to search
// whole, and a bug that one order reaches late another may reach early.
// A swarm is for hunting bugs: unless one of its searches was complete,
// its coverage is not, and it says so (Stopped "swarm").

// dfsBytesPerState is what a depth-first search holds per stored state:
// its fingerprint table and predecessor pages (Result.StoreBytes, about
// 20 bytes a state when the table is full), with room for the table's
// growth, which doubles it, and for the stack. A swarm search without
// MaxStates stops at MaxMemory / dfsBytesPerState states.
const dfsBytesPerState = 64

// SwarmSearch is one search of a swarm.
type SwarmSearch struct {
	// Order is its Options.Order: `--swarm 1 --seed Order` runs it again.
	Order       uint64
	Distinct    int64
	Transitions int64
	MaxDepth    int
	// Stopped is its Result.Stopped ("" when it was complete or found a
	// violation: Found).
	Stopped string
	Found   bool
	Elapsed time.Duration
}

// swarm runs opt.Swarm searches with one in turn, the i-th in order
// opt.Order+i, and returns the first that found a violation or a
// deadlock, that was complete, or that the user or the memory limit
// stopped; else the last, with Stopped "swarm". running is the search
// under way, from 1, and began when it began (UnixNano), for the progress
// lines. Every result lists the
// searches run (Result.Swarm) and the whole swarm's time.
func swarm[I, K ~uint8, N any, M graph.Message[M], D, E any](opt Options[I, K, N, M, D, E], start time.Time, interrupted *atomic.Bool, running, began *atomic.Int64,
	one func(Options[I, K, N, M, D, E]) (*Result[I, K, M], error)) (*Result[I, K, M], error) {
	if opt.MaxStates == 0 && opt.MaxMemory > 0 {
		opt.MaxStates = max(opt.MaxMemory/dfsBytesPerState, 1)
	}
	var list []SwarmSearch
	first := opt.Order
	for i := 0; ; i++ {
		o := opt
		o.Order = first + uint64(i)
		t := time.Now()
		began.Store(t.UnixNano())
		running.Store(int64(i + 1))
		r, err := one(o)
		if err != nil {
			return nil, err
		}
		found := r.Violation != nil || r.Deadlock != nil
		list = append(list, SwarmSearch{Order: o.Order, Distinct: r.Distinct, Transitions: r.Transitions, MaxDepth: r.MaxDepth,
			Stopped: r.Stopped, Found: found, Elapsed: time.Since(t)})
		r.Swarm, r.Elapsed = list, time.Since(start)
		switch {
		case found || r.Complete || r.Stopped == "interrupted" || r.Stopped == "max-memory" || interrupted.Load():
			return r, nil
		case i == opt.Swarm-1:
			r.Stopped = "swarm"
			return r, nil
		}
	}
}
