package explore

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/invariant"
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// Errors a Result reports through Err. Each is wrapped with the detail.
var (
	// ErrViolation: an invariant failed in a reachable state.
	ErrViolation = errors.New("invariant violated")
	// ErrDeadlock: a reachable state has no enabled action while a client
	// waits, and it is not a bound artefact (Options.DeadlockIsError).
	ErrDeadlock = errors.New("deadlock")
	// ErrVacuous: a complete search never reached a "sometimes" property.
	ErrVacuous = errors.New("vacuous run")
	// ErrOptions: the options or the setup cannot be explored.
	ErrOptions = errors.New("invalid explore options")
)

// Options bound and shape a search. The zero value is a complete
// breadth-first search on all cores with both reductions.
type Options struct {
	// Workers is the number of goroutines expanding states; 0 means
	// runtime.GOMAXPROCS(0). Depth-first search always uses one.
	Workers int
	// MaxStates stops the search once this many distinct states are
	// stored (0: no limit). The result is then incomplete.
	MaxStates int64
	// MaxDepth stops expanding states at this depth (0: no limit). It
	// switches the partial-order reduction off, whose extra steps would
	// count against it.
	MaxDepth int
	// DFS searches depth-first; counterexamples are then not shortest.
	DFS bool
	// NoSymmetry, NoPOR and NoDead switch the reductions off (NoDead: the
	// dead-state reduction of dead.go).
	NoSymmetry, NoPOR, NoDead bool
	// DeadlockIsError makes a deadlock that is not a bound artefact fail
	// the run.
	DeadlockIsError bool
	// Check replaces invariant.CheckWorld (tests use it to plant a
	// violation). It must be safe for concurrent use.
	Check func(s *world.Setup, st *world.State, depth int) *invariant.Violation
	// Progress, when set, is called about every ProgressEvery (default 1s)
	// from a separate goroutine.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is a snapshot of a running search.
type Progress struct {
	Distinct    int64
	Transitions int64
	Queue       int64
	Depth       int
	Elapsed     time.Duration
}

// StatesPerSec is the rate of distinct states found so far.
func (p Progress) StatesPerSec() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Distinct) / p.Elapsed.Seconds()
}

// Result is the outcome of a search.
type Result struct {
	// Violation is the first invariant failure found (nil if none); Path
	// leads from the initial state to the violating (or deadlocked) state.
	Violation *invariant.Violation
	// Deadlock is set when the search stopped at a deadlock that is an
	// error (Options.DeadlockIsError); Path leads to it.
	Deadlock *Deadlock
	Path     []world.Action

	Distinct    int64
	Transitions int64
	MaxDepth    int
	// Deadlocks counts deadlocked states that are not bound artefacts;
	// BoundDeadlocks those where a proposer would retry but for MaxRound.
	Deadlocks, BoundDeadlocks int64
	FirstDeadlock             *Deadlock
	// Chosen and AllLearned say whether the "sometimes" properties were
	// reached.
	Chosen, AllLearned bool
	// Complete is false when MaxStates or MaxDepth cut the search short.
	Complete bool
	// Symmetry, POR and Dead say which reductions were in effect.
	Symmetry, POR, Dead bool
	// SetNetwork: the search ran on the set network
	// (world.Setup.SetNetwork), where a deadlock is a state no action
	// changes.
	SetNetwork bool
	Workers    int

	Elapsed time.Duration
	// PeakHeap is the largest HeapInuse seen (runtime.MemStats).
	PeakHeap uint64
	// StoreBytes is what the stored states cost: fingerprint tables and
	// predecessor pages.
	StoreBytes int64
}

// Deadlock describes a deadlocked state.
type Deadlock struct {
	Depth int
	// Waiting is the bitmask of clients invoked and not returned.
	Waiting uint64
}

// StatesPerSec is distinct states per second of wall time.
func (r *Result) StatesPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Distinct) / r.Elapsed.Seconds()
}

// BytesPerState is StoreBytes per distinct state.
func (r *Result) BytesPerState() float64 {
	if r.Distinct == 0 {
		return 0
	}
	return float64(r.StoreBytes) / float64(r.Distinct)
}

// Err is the verdict: nil when every check passed (or the search was cut
// short before finding anything), else an error wrapping ErrViolation,
// ErrDeadlock or ErrVacuous.
func (r *Result) Err() error {
	switch {
	case r.Violation != nil:
		return fmt.Errorf("%w: %s", ErrViolation, r.Violation.Error())
	case r.Deadlock != nil && r.SetNetwork:
		return fmt.Errorf("%w at depth %d: clients %b wait and no action changes the state", ErrDeadlock, r.Deadlock.Depth, r.Deadlock.Waiting)
	case r.Deadlock != nil:
		return fmt.Errorf("%w at depth %d: clients %b wait and no action is enabled", ErrDeadlock, r.Deadlock.Depth, r.Deadlock.Waiting)
	case r.Complete && !r.Chosen:
		return fmt.Errorf("%w: no reachable state has a chosen value", ErrVacuous)
	case r.Complete && !r.AllLearned:
		return fmt.Errorf("%w: no reachable state has every learner learned", ErrVacuous)
	}
	return nil
}

// level is a frontier: states in their identity encoding, with their
// fingerprints, the number of the state each came from and the action
// index.
type level struct {
	arena  []byte
	ends   []uint32
	fps    []uint64
	parent []uint32
	act    []uint8
}

func (l *level) len() int { return len(l.ends) }

func (l *level) get(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	return l.arena[start:l.ends[i]]
}

func (l *level) push(enc []byte, fp uint64, parent uint32, act uint8) {
	l.arena = append(l.arena, enc...)
	l.ends = append(l.ends, uint32(len(l.arena)))
	l.fps = append(l.fps, fp)
	l.parent = append(l.parent, parent)
	l.act = append(l.act, act)
}

func (l *level) reset() {
	l.arena, l.ends, l.fps, l.parent, l.act = l.arena[:0], l.ends[:0], l.fps[:0], l.parent[:0], l.act[:0]
}

// search is the shared state of one run.
type search struct {
	setup   *world.Setup
	opt     Options
	check   func(s *world.Setup, st *world.State, depth int) *invariant.Violation
	sym     bool
	por     bool
	dead    bool
	codec   *codec
	perms   []perm
	visited fpSet
	parents parentStore

	distinct    atomic.Int64
	transitions atomic.Int64
	queue       atomic.Int64
	depth       atomic.Int64
	stop        atomic.Bool
	chosen      atomic.Bool
	allLearned  atomic.Bool
	deadlocks   atomic.Int64
	boundDead   atomic.Int64

	mu sync.Mutex // guards the fields below
	// found is the first error state: its parent's number and the action
	// index (violation or deadlock), or, for a deadlock, its own number.
	found     *finding
	firstDead *Deadlock
	peakHeap  uint64
}

type finding struct {
	violation *invariant.Violation
	deadlock  *Deadlock
	// parent, act lead to the state (act < 0: the state is parent itself).
	parent uint32
	act    int
	depth  int
}

// Run explores the state graph of setup under opt.
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
	if opt.Workers < 0 || opt.MaxStates < 0 || opt.MaxDepth < 0 {
		return nil, fmt.Errorf("%w: negative workers, max states or max depth", ErrOptions)
	}
	if opt.Workers == 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.DFS {
		opt.Workers = 1
	}
	if opt.ProgressEvery <= 0 {
		opt.ProgressEvery = time.Second
	}
	c, err := newCodec(&setup)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	s := &search{setup: &setup, opt: opt, codec: c, check: opt.Check}
	if s.check == nil {
		s.check = invariant.CheckWorld
	}
	s.dead = !opt.NoDead
	s.sym = !opt.NoSymmetry && symmetric(&setup)
	if s.sym {
		s.perms = allPerms(len(setup.Config.Acceptors))
	}
	// The set network has its own partial-order reduction (por.go): there
	// an inert delivery is a self-loop, and expanding it alone would cut
	// every other successor.
	s.por = !opt.NoPOR && opt.MaxDepth == 0
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	if opt.Progress != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(opt.ProgressEvery)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					s.sampleHeap()
					opt.Progress(Progress{Distinct: s.distinct.Load(), Transitions: s.transitions.Load(),
						Queue: s.queue.Load(), Depth: int(s.depth.Load()), Elapsed: time.Since(start)})
				}
			}
		}()
	}
	complete, err := s.run()
	close(done)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	s.sampleHeap()
	r := &Result{
		Distinct: s.distinct.Load(), Transitions: s.transitions.Load(), MaxDepth: int(s.depth.Load()),
		Deadlocks: s.deadlocks.Load(), BoundDeadlocks: s.boundDead.Load(), FirstDeadlock: s.firstDead,
		Chosen: s.chosen.Load(), AllLearned: s.allLearned.Load(), Complete: complete,
		Symmetry: s.sym, POR: s.por, Dead: s.dead, SetNetwork: setup.SetNetwork, Workers: opt.Workers, Elapsed: time.Since(start),
		PeakHeap: s.peakHeap, StoreBytes: int64(s.visited.Bytes() + s.parents.bytes()),
	}
	if f := s.found; f != nil {
		r.Violation, r.Deadlock = f.violation, f.deadlock
		r.Complete = false
		path, err := s.rebuild(f)
		if err != nil {
			return nil, err
		}
		r.Path = path
	}
	return r, nil
}

func (s *search) sampleHeap() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.mu.Lock()
	if m.HeapInuse > s.peakHeap {
		s.peakHeap = m.HeapInuse
	}
	s.mu.Unlock()
}

// worker holds one goroutine's scratch space.
type worker struct {
	s     *search
	fp    fingerprinter
	st    world.State
	child world.State
	// ample holds the best inert successor found so far while choosing the
	// partial-order reduction's single delivery under symmetry.
	ample world.State
	acts  []world.Action
	out   level
	trans int64
}

func (s *search) newWorker() *worker {
	w := &worker{s: s}
	w.fp.c = s.codec.clone()
	w.fp.perms = s.perms
	w.fp.dead = s.dead
	return w
}

// run performs the search; it reports whether it was complete.
func (s *search) run() (bool, error) {
	init, err := world.Init(s.setup)
	if err != nil {
		return false, err
	}
	w0 := s.newWorker()
	initFP := w0.fp.fingerprint(&init)
	w0.fp.ident = w0.fp.c.encode(w0.fp.ident[:0], &init, nil, nil)
	s.visited.Insert(initFP)
	s.parents.add(0, 0)
	s.distinct.Store(1)
	if v := s.check(s.setup, &init, 0); v != nil {
		s.found = &finding{violation: v, act: -1}
		return false, nil
	}
	s.sometimes(&init)
	if s.opt.DFS {
		return s.dfs(w0, initFP)
	}
	return s.bfs(w0, initFP)
}

func (s *search) bfs(w0 *worker, initFP uint64) (bool, error) {
	workers := []*worker{w0}
	for len(workers) < s.opt.Workers {
		workers = append(workers, s.newWorker())
	}
	cur := &level{}
	cur.push(w0.fp.ident, initFP, 0, 0)
	base := uint32(0) // number of cur's first state
	complete := true
	for depth := 0; cur.len() > 0; depth++ {
		s.depth.Store(int64(depth))
		if s.opt.MaxDepth > 0 && depth >= s.opt.MaxDepth {
			complete = false
			break
		}
		s.queue.Store(int64(cur.len()))
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, len(workers))
		const chunk = 32
		for wi, w := range workers {
			w.out.reset()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !s.stop.Load() {
					lo := int(next.Add(chunk)) - chunk
					if lo >= cur.len() {
						return
					}
					hi := min(lo+chunk, cur.len())
					for i := lo; i < hi && !s.stop.Load(); i++ {
						if err := w.expand(cur.get(i), cur.fps[i], base+uint32(i), depth); err != nil {
							errs[wi] = err
							s.stop.Store(true)
							return
						}
					}
					s.queue.Add(-int64(hi - lo))
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return false, err
			}
		}
		if s.found != nil {
			return false, nil
		}
		// The next level, in worker order: numbers are assigned here.
		base += uint32(cur.len())
		nxt := &level{}
		for _, w := range workers {
			for i := 0; i < w.out.len(); i++ {
				nxt.push(w.out.get(i), w.out.fps[i], w.out.parent[i], w.out.act[i])
				s.parents.add(w.out.parent[i], w.out.act[i])
			}
			s.transitions.Add(w.trans)
			w.trans = 0
		}
		if nxt.len() > 0 {
			s.depth.Store(int64(depth + 1))
		}
		s.sampleHeap()
		if s.stop.Load() {
			// MaxStates reached: the states found are stored, not expanded.
			return false, nil
		}
		cur = nxt
	}
	return complete, nil
}

// expand generates the successors of the state enc (fingerprint encFP,
// number num, at depth depth) into w.out.
func (w *worker) expand(enc []byte, encFP uint64, num uint32, depth int) error {
	s := w.s
	if err := w.fp.c.decode(enc, &w.st); err != nil {
		return err
	}
	w.acts = w.st.Actions(s.setup, w.acts[:0])
	if len(w.acts) == 0 {
		s.deadlock(&w.st, num, depth)
		return nil
	}
	if len(w.acts) > 256 {
		return fmt.Errorf("%w: a state has %d enabled actions, at most 256 supported", ErrOptions, len(w.acts))
	}
	lo, hi := 0, len(w.acts)
	if s.por && s.setup.SetNetwork {
		if k := decidedAmple(s.setup, &w.st, w.acts); k >= 0 {
			lo, hi = k, k+1
		}
	} else if s.por && porActive(s.setup, &w.st) {
		// Any one inert delivery is a sound ample set (por.go). With
		// symmetry the stored state is whichever member of its orbit was
		// found first, which varies between parallel runs; so among the
		// inert deliveries take the one whose successor has the smallest
		// orbit fingerprint, a choice every member of the orbit agrees on.
		// That keeps distinct-state counts equal for any number of workers.
		best, bestFP := -1, uint64(0)
		for k := range w.acts {
			if !inert(s.setup, &w.st, &w.acts[k]) {
				continue
			}
			if !s.sym {
				best = k
				break
			}
			copyState(&w.child, &w.st)
			if _, err := w.child.Apply(s.setup, w.acts[k]); err != nil {
				return fmt.Errorf("explore: enabled action %s failed: %w", w.acts[k], err)
			}
			if fp := w.fp.fingerprint(&w.child); best < 0 || fp < bestFP {
				best, bestFP = k, fp
				w.child, w.ample = w.ample, w.child
			}
		}
		if best >= 0 && s.sym {
			// The chosen successor is already applied and fingerprinted.
			w.child, w.ample = w.ample, w.child
			w.trans++
			w.visit(best, bestFP, num, depth)
			return nil
		}
		if best >= 0 {
			lo, hi = best, best+1
		}
	}
	// moved: some action changes the state. With the set network every
	// message stays deliverable, so a state is stuck (the set network's
	// deadlock) when every enabled action is a self-loop. Crashes that
	// change nothing (dead.go) are not expanded and do not count.
	moved := false
	for k := lo; k < hi; k++ {
		a := &w.acts[k]
		if s.dead && (stutterCrash(s.setup, &w.st, a) ||
			s.setup.SetNetwork && a.Kind == world.ActDeliver && deadMsg(s.setup, &w.st, &a.Msg)) {
			continue
		}
		copyState(&w.child, &w.st)
		if _, err := w.child.Apply(s.setup, w.acts[k]); err != nil {
			return fmt.Errorf("explore: enabled action %s failed: %w", w.acts[k], err)
		}
		w.trans++
		var fp uint64
		if s.setup.SetNetwork && sameState(&w.child, &w.st) {
			continue // a self-loop: the state is already stored
		}
		fp = w.fp.fingerprint(&w.child)
		if s.setup.SetNetwork && fp == encFP {
			// A step that changes only dead state (dead.go), or maps the
			// state onto a permutation of itself, is a self-loop too.
			continue
		}
		moved = true
		if w.visit(k, fp, num, depth) {
			return nil
		}
	}
	if !moved {
		s.deadlock(&w.st, num, depth)
	}
	return nil
}

// visit records w.child, reached from state num by action k, with
// fingerprint fp: if it is new, it is counted, checked and queued in its
// identity encoding. It reports whether the search must stop (a
// violation, or MaxStates reached).
func (w *worker) visit(k int, fp uint64, num uint32, depth int) bool {
	s := w.s
	if !s.visited.Insert(fp) {
		return false
	}
	n := s.distinct.Add(1)
	if v := s.check(s.setup, &w.child, depth+1); v != nil {
		s.report(&finding{violation: v, parent: num, act: k, depth: depth + 1})
		return true
	}
	s.sometimes(&w.child)
	w.fp.ident = w.fp.c.encode(w.fp.ident[:0], &w.child, nil, nil)
	w.out.push(w.fp.ident, fp, num, uint8(k))
	if s.opt.MaxStates > 0 && n >= s.opt.MaxStates {
		s.stop.Store(true)
		return true
	}
	return false
}

// sameState reports whether a set-network successor a equals its
// predecessor b. Net and Sent only grow there, so equal lengths mean equal
// lists.
func sameState(a, b *world.State) bool {
	return len(a.Net) == len(b.Net) && len(a.Sent) == len(b.Sent) &&
		a.Invoked == b.Invoked && a.Returned == b.Returned && a.Learned == b.Learned && a.Used == b.Used &&
		slices.Equal(a.Nodes, b.Nodes) && slices.Equal(a.Stored, b.Stored)
}

// copyState makes dst a deep copy of src, reusing dst's slices.
func copyState(dst, src *world.State) {
	dst.Nodes = append(dst.Nodes[:0], src.Nodes...)
	dst.Stored = append(dst.Stored[:0], src.Stored...)
	dst.Net = append(dst.Net[:0], src.Net...)
	dst.Sent = append(dst.Sent[:0], src.Sent...)
	dst.Invoked, dst.Returned, dst.Learned, dst.Used = src.Invoked, src.Returned, src.Learned, src.Used
}

// report records the first error state and stops the search.
func (s *search) report(f *finding) {
	s.mu.Lock()
	if s.found == nil {
		s.found = f
	}
	s.mu.Unlock()
	s.stop.Store(true)
}

// sometimes records the "sometimes" properties st reaches.
func (s *search) sometimes(st *world.State) {
	if !s.chosen.Load() && Chosen(s.setup, st) {
		s.chosen.Store(true)
	}
	if !s.allLearned.Load() && len(s.setup.Config.Learners) > 0 &&
		st.Learned == 1<<uint(len(s.setup.Config.Learners))-1 {
		s.allLearned.Store(true)
	}
}

// Chosen reports whether some value is chosen in st: 2b messages for one
// ballot and value from a majority of acceptors are in Sent (spec/Paxos.tla
// Chosen; always a true majority, even under the minority-quorum bug,
// because that is what "chosen" means).
func Chosen(s *world.Setup, st *world.State) bool {
	maj := len(s.Config.Acceptors)/2 + 1
	for i := range st.Sent {
		m := &st.Sent[i]
		if m.Type != paxos.Msg2b {
			continue
		}
		var from uint64
		for j := i; j < len(st.Sent); j++ {
			o := &st.Sent[j]
			if o.Type == paxos.Msg2b && o.Bal == m.Bal && o.Val == m.Val {
				if a := s.Config.AcceptorIndex(o.From); a >= 0 {
					from |= 1 << uint(a)
				}
			}
		}
		n := 0
		for ; from != 0; from &= from - 1 {
			n++
		}
		if n >= maj {
			return true
		}
	}
	return false
}

// deadlock handles a state with no enabled action.
func (s *search) deadlock(st *world.State, num uint32, depth int) {
	waiting := st.Invoked &^ st.Returned
	if waiting == 0 {
		return
	}
	if boundArtefact(s.setup, st) {
		s.boundDead.Add(1)
		return
	}
	s.deadlocks.Add(1)
	d := &Deadlock{Depth: depth, Waiting: waiting}
	s.mu.Lock()
	if s.firstDead == nil {
		s.firstDead = d
	}
	s.mu.Unlock()
	if s.opt.DeadlockIsError {
		s.report(&finding{deadlock: d, parent: num, act: -1, depth: depth})
	}
}

// boundArtefact reports whether some live proposer would start a new ballot
// but for Setup.MaxRound: the deadlock is then an effect of bounding rounds,
// not of the protocol.
func boundArtefact(s *world.Setup, st *world.State) bool {
	for i := range st.Nodes {
		n := &st.Nodes[i]
		if n.Role == paxos.RoleProposer && n.Enabled(&s.Config, paxos.Input{Kind: paxos.InTimeout}) {
			return true
		}
	}
	return false
}

// rebuild returns the path to the state of f: parent numbers back to the
// initial state, then action indices replayed forward.
func (s *search) rebuild(f *finding) ([]world.Action, error) {
	var chain []uint8
	if f.act >= 0 {
		chain = append(chain, uint8(f.act))
	}
	for n := f.parent; n != 0; {
		p, a := s.parents.get(n)
		chain = append(chain, a)
		n = p
	}
	st, err := world.Init(s.setup)
	if err != nil {
		return nil, err
	}
	var path []world.Action
	var acts []world.Action
	for i := len(chain) - 1; i >= 0; i-- {
		acts = st.Actions(s.setup, acts[:0])
		k := int(chain[i])
		if k >= len(acts) {
			return nil, fmt.Errorf("explore: rebuilding the counterexample: action %d of %d at step %d", k, len(acts), len(path)+1)
		}
		if _, err := st.Apply(s.setup, acts[k]); err != nil {
			return nil, fmt.Errorf("explore: rebuilding the counterexample: %w", err)
		}
		path = append(path, acts[k])
	}
	return path, nil
}
