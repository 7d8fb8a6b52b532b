package paxosexplore

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/paxosmodel"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// The generic explorer (checker/explore) at single-decree Paxos's types.
type (
	// Result is the outcome of a search.
	Result = explore.Result[paxos.NodeID, paxos.ClientID, paxos.Message]
	// Progress is a snapshot of a running search.
	Progress = explore.Progress
	// Refutation is a reduction hint the code under test did not bear
	// out (Hint), with the node step that refuted it (Detail).
	Refutation = explore.Refutation

	state  = graph.State[paxos.NodeID, paxos.Node, paxos.Message, paxos.Durable]
	eopts  = explore.Options[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects]
	ehash  = explore.Hasher[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects]
	ereduc = explore.Reduction[paxos.NodeID, paxos.ClientID, paxos.Node, paxos.Message, paxos.Durable, paxos.Effects]
)

// The verdicts' errors (explore's).
var (
	ErrViolation = explore.ErrViolation
	ErrDeadlock  = explore.ErrDeadlock
	ErrVacuous   = explore.ErrVacuous
	ErrOptions   = explore.ErrOptions
)

// Options bound and shape a search of single-decree Paxos: explore.Options
// with Paxos's reductions (NoSymmetry, NoDead switch them off) and a Check
// on the world's types.
type Options struct {
	// Workers, MaxStates, MaxDepth, DFS, Order, Swarm, MaxMemory,
	// DeadlockIsError, Progress and ProgressEvery are explore.Options's,
	// with the same meanings (0: GOMAXPROCS workers, no limit, no limit;
	// MaxMemory 0: explore.DefaultMaxMemory, negative: none).
	Workers   int
	MaxStates int64
	MaxDepth  int
	DFS       bool
	Order     uint64
	Swarm     int
	// Shard, Shards and ShardDepth are explore.Options's: one shard of a
	// breadth-first search.
	Shard, Shards, ShardDepth int
	// Checkpoint, CheckpointEvery, CheckpointID and Resume are
	// explore.Options's: checkpoints, and a search resumed from one.
	Checkpoint      string
	CheckpointEvery time.Duration
	CheckpointID    string
	Resume          bool
	// NoSymmetry and NoDead switch the reductions off (NoDead: the
	// dead-state reduction of dead.go, every hint of hints.go but
	// symmetry). Whatever is on is certified against the code in the same
	// run (certify.go).
	NoSymmetry, NoDead bool
	MaxMemory          int64
	DeadlockIsError    bool
	// FrontierMemory and SpillDir are explore.Options's: past that many
	// bytes of encoded states, the frontier spills to disk.
	FrontierMemory int64
	SpillDir       string
	// Interrupt is explore.Options's: closing it stops the search,
	// incomplete.
	Interrupt <-chan struct{}
	// Invariants, when not nil, are the invariants checked instead of
	// every one (invariant.Select: --invariants).
	Invariants []invariant.Invariant
	// Check replaces the invariants (explore.Options.Check).
	Check         func(s *world.Setup, st *world.State, depth int) *invariant.Violation
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// verifyFingerprints makes every search check each stored state's
// fingerprint, worked out from the change that led to it, against the
// whole hash of the state (the tests switch it on).
var verifyFingerprints bool

// Run explores the state graph of setup under opt (explore.Run), with the
// reductions of this package: tried, certified against the code in the
// same run, and dropped where the code refutes them.
func Run(setup world.Setup, opt Options) (*Result, error) {
	if err := setup.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	for _, c := range setup.Clients {
		if len(c.Value) > 255 {
			return nil, fmt.Errorf("%w: client %d's value is longer than 255 bytes", ErrOptions, c.ID)
		}
	}
	if setup.Unbounded {
		return nil, fmt.Errorf("%w: setup is unbounded (a replay setup), the graph would be infinite", ErrOptions)
	}
	if setup.MaxRound == 0 {
		return nil, fmt.Errorf("%w: MaxRound 0 (unbounded rounds) makes the graph infinite", ErrOptions)
	}
	m := &paxosmodel.Model{Setup: setup, Invariants: opt.Invariants}
	s := &m.Setup
	c, err := newCodec(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	h := allHints
	if opt.NoDead {
		h &^= deadHints
	}
	if opt.NoSymmetry || !symmetric(s) {
		h &^= hintSymmetry
	}
	eo := eopts{Workers: opt.Workers, MaxStates: opt.MaxStates, MaxDepth: opt.MaxDepth, DFS: opt.DFS, Order: opt.Order, Swarm: opt.Swarm,
		Shard: opt.Shard, Shards: opt.Shards, ShardDepth: opt.ShardDepth,
		Checkpoint: opt.Checkpoint, CheckpointEvery: opt.CheckpointEvery, CheckpointID: opt.CheckpointID, Resume: opt.Resume,
		Reduction: &reduction{setup: s, codec: c, h: h}, Decoder: c.dec, MaxMemory: opt.MaxMemory,
		DeadlockIsError: opt.DeadlockIsError, VerifyFingerprints: verifyFingerprints,
		FrontierMemory: opt.FrontierMemory, SpillDir: opt.SpillDir, Interrupt: opt.Interrupt,
		Progress: opt.Progress, ProgressEvery: opt.ProgressEvery}
	if check := opt.Check; check != nil {
		eo.Check = func(st *state, depth int) *graph.Violation {
			if v := check(s, (*world.State)(st), depth); v != nil {
				return &graph.Violation{Invariant: v.Invariant, Step: v.Step, Detail: v.Detail}
			}
			return nil
		}
	}
	return explore.Run(m, eo)
}

// reduction is single-decree Paxos's explore.Reduction: the fingerprint of
// hash.go under the hints h, certified by certify.go.
type reduction struct {
	setup *world.Setup
	codec *codec
	h     hints
	cert  *certifier
}

func (r *reduction) Start(init *state, stop *atomic.Bool) error {
	r.cert = newCertifier(r.setup, r.codec, r.h)
	r.cert.stop = stop
	// The certifier starts from every node's initial local state.
	f := fingerprinter{c: r.codec, h: r.h}
	st := (*world.State)(init)
	f.load(st)
	for i := range st.Nodes {
		r.cert.addVariant(local{n: st.Nodes[i], d: st.Stored[i], mc: f.mc[i], t: st.Timers&(1<<uint(i)) != 0})
	}
	return nil
}

func (r *reduction) NewHasher() ehash {
	return &hasher{r: r, fp: fingerprinter{c: r.codec, h: r.h}, stutter: map[uint64]bool{}}
}

func (r *reduction) Certify(hs []ehash) (*Refutation, bool) {
	var recs []certRecord
	for _, x := range hs {
		w := x.(*hasher)
		recs = append(recs, w.pending...)
		w.pending = w.pending[:0]
	}
	if ref := r.cert.add(recs); ref != nil {
		return ref, false
	}
	// A closure cut short by a memory stop certifies nothing: the search
	// ends incomplete.
	return nil, r.cert.stopped
}

func (r *reduction) Without(ref *Refutation) ereduc {
	return &reduction{setup: r.setup, codec: r.codec, h: r.h &^ hints(ref.Mask)}
}

func (r *reduction) Describe() explore.Reduced {
	return explore.Reduced{Symmetry: r.h&hintSymmetry != 0, Dead: r.h&deadHints != 0, Hints: r.h.names()}
}

func (r *reduction) Certified() int64 {
	if r.cert == nil {
		return 0
	}
	return r.cert.steps
}

// hasher is one worker's explore.Hasher: its fingerprinter, and what it
// has handed the certifier.
type hasher struct {
	r  *reduction
	fp fingerprinter
	// seen holds the keys of the (class, input) pairs this worker has
	// handed the certifier; pending those not yet certified.
	seen    explore.KeySet
	pending []certRecord
	// stutter caches, by class key, whether a crash of the node stutters.
	stutter map[uint64]bool
}

func (w *hasher) Load(st *state) uint64        { return w.fp.load((*world.State)(st)) }
func (w *hasher) Fingerprint(st *state) uint64 { return w.fp.fingerprint((*world.State)(st)) }
func (w *hasher) Child(ch *world.Change, into *state) (uint64, bool) {
	return w.fp.child(ch, (*world.State)(into))
}
func (w *hasher) Pending() int { return len(w.pending) }

// Expanded refuses a message symmetry cannot rename (crossErr).
func (w *hasher) Expanded() error {
	if w.fp.cross != nil && w.fp.sym() {
		return crossErr(w.fp.cross)
	}
	return nil
}

// Skip records action a of the loaded state for the certifier and reports
// whether the dead-state reduction leaves it unexplored: an action on a
// dead message, or a crash that only pauses its node (dead.go).
func (w *hasher) Skip(a *world.Action) bool {
	h := w.r.h
	switch a.Kind {
	case world.ActDeliver, world.ActCrashMidStep, world.ActDrop, world.ActDuplicate:
		if w.fp.dead(&a.Msg, -1, nil) {
			// Certified as dead where its addressee's class is, from
			// the messages the certifier saw sent (certify.go).
			return true
		}
	}
	if a.Kind == world.ActDrop || a.Kind == world.ActDuplicate {
		return false // no node steps
	}
	st := w.fp.st
	j := w.r.codec.nodeIdx[a.Node]
	if a.Kind == world.ActDeliver || a.Kind == world.ActCrashMidStep {
		j = w.r.codec.nodeIdx[a.Msg.To]
	}
	l := func() local {
		return local{n: st.Nodes[j], d: st.Stored[j], mc: w.fp.mc[j], t: st.Timers&(1<<uint(j)) != 0}
	}
	if a.Kind == world.ActCrash && h&hintStutter != 0 {
		// Whether a crash stutters is worked out once per class (by the
		// class key): the certifier checks that every local state of a
		// class where it is used stutters, so the first one seen stands
		// for all.
		key := w.fp.keys[j]
		st, ok := w.stutter[key]
		if !ok {
			l := l()
			st = stutters(w.r.setup, &l)
			w.stutter[key] = st
			if st {
				w.pending = append(w.pending, certRecord{key: mix64(key ^ saltStutter), l: l, stutter: true})
			}
		}
		if st {
			return true
		}
	}
	if key := mix64(w.fp.keys[j] ^ w.r.codec.actionKey(a)); w.seen.Insert(key) {
		w.pending = append(w.pending, certRecord{key: key, l: l(), a: *a})
	}
	return false
}
