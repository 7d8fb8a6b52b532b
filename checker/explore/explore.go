package explore

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/invariant"
	"github.com/paxoscheck/paxoscheck/checker/world"
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
	// MaxDepth stops expanding states at this depth (0: no limit).
	MaxDepth int
	// DFS searches depth-first; counterexamples are then not shortest.
	DFS bool
	// NoSymmetry and NoDead switch the reductions off (NoDead: the
	// dead-state reduction of dead.go, every hint of hints.go but
	// symmetry). Whatever is on is certified against the code in the same
	// run (certify.go).
	NoSymmetry, NoDead bool
	// MaxMemory stops the search, incomplete (Result.Stopped), when the
	// memory the process holds passes this many bytes; 0 means
	// DefaultMaxMemory(), a negative value no limit. The Go runtime is
	// also asked to keep the heap under it (debug.SetMemoryLimit) while
	// the search runs.
	MaxMemory int64
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
	// Complete is false when MaxStates, MaxDepth or MaxMemory cut the
	// search short; Stopped then says which ("max-states", "max-depth",
	// "max-memory").
	Complete bool
	Stopped  string
	// Symmetry and Dead say which reductions were in effect in the final
	// search; Hints lists its hints (hints.go) by name.
	Symmetry, Dead bool
	Hints          []string
	// Refuted lists the hints the code under test refuted, in order; the
	// search was started again without each (Restarts times). Certified
	// counts the node steps the certifier ran (certify.go).
	Refuted   []Refutation
	Restarts  int
	Certified int64
	// SetNetwork: the search ran on the set network
	// (world.Setup.SetNetwork), where a deadlock is a state no action
	// changes.
	SetNetwork bool
	Workers    int

	Elapsed time.Duration
	// PeakHeap is the largest HeapInuse seen (runtime.MemStats).
	PeakHeap uint64
	// MaxMemory is the memory limit the search ran under (bytes; 0: none).
	MaxMemory int64
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

// level is a list of states in their identity encoding, with their
// fingerprints, the number of the state each came from and the action
// index. The encodings live in fixed-size chunks, so a growing level never
// copies what it holds; a reset level keeps its chunks for reuse.
type level struct {
	chunks [][]byte
	spare  [][]byte
	at     []uint64 // entry i: its chunk << 32 | its start in the chunk
	ends   []uint32 // entry i: its end in the chunk
	fps    []uint64
	parent []uint32
	act    []uint8
}

// chunkSize is the size of a level's chunks.
const chunkSize = 1 << 20

func (l *level) len() int { return len(l.ends) }

func (l *level) get(i int) []byte {
	return l.chunks[l.at[i]>>32][uint32(l.at[i]):l.ends[i]]
}

func (l *level) push(enc []byte, fp uint64, parent uint32, act uint8) {
	k := len(l.chunks) - 1
	if k < 0 || len(l.chunks[k])+len(enc) > cap(l.chunks[k]) {
		var c []byte
		if n := len(l.spare); n > 0 && cap(l.spare[n-1]) >= len(enc) {
			c, l.spare = l.spare[n-1][:0], l.spare[:n-1]
		} else {
			c = make([]byte, 0, max(chunkSize, len(enc)))
		}
		l.chunks = append(l.chunks, c)
		k++
	}
	start := len(l.chunks[k])
	l.chunks[k] = append(l.chunks[k], enc...)
	l.at = append(l.at, uint64(k)<<32|uint64(start))
	l.ends = append(l.ends, uint32(len(l.chunks[k])))
	l.fps = append(l.fps, fp)
	l.parent = append(l.parent, parent)
	l.act = append(l.act, act)
}

// truncate keeps the first n entries (the depth-first stack pops this way).
func (l *level) truncate(n int) {
	keep := 0
	if n > 0 {
		k := int(l.at[n-1] >> 32)
		l.chunks[k] = l.chunks[k][:l.ends[n-1]]
		keep = k + 1
	}
	l.spare = append(l.spare, l.chunks[keep:]...)
	clear(l.chunks[keep:])
	l.chunks = l.chunks[:keep]
	l.at, l.ends, l.fps, l.parent, l.act = l.at[:n], l.ends[:n], l.fps[:n], l.parent[:n], l.act[:n]
}

func (l *level) reset() { l.truncate(0) }

// frontier is one breadth-first level: the workers' output levels one after
// the other, numbered in that order.
type frontier struct {
	segs   []*level
	starts []int // index of each segment's first state
	n      int
}

func (f *frontier) add(l *level) {
	f.segs = append(f.segs, l)
	f.starts = append(f.starts, f.n)
	f.n += l.len()
}

// get returns state i's encoding and fingerprint.
func (f *frontier) get(i int) ([]byte, uint64) {
	k := len(f.starts) - 1
	for f.starts[k] > i {
		k--
	}
	l, j := f.segs[k], i-f.starts[k]
	return l.get(j), l.fps[j]
}

// search is the shared state of one run.
type search struct {
	setup   *world.Setup
	opt     Options
	h       hints // the reduction hints in force (hints.go)
	codec   *codec
	visited fpSet
	parents parentStore
	cert    *certifier
	// refuted is the refutation that ended this search, if any: Run
	// starts again without the hint.
	refuted *Refutation
	workers []*worker

	distinct    atomic.Int64
	transitions atomic.Int64
	queue       atomic.Int64
	depth       atomic.Int64
	stop        atomic.Bool
	memStop     atomic.Bool
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

// Run explores the state graph of setup under opt. The reductions it
// tries are proved against the code as the search goes (certify.go); when
// the code refutes one, the search starts again without it, and Result
// says so.
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
	if opt.MaxMemory == 0 {
		opt.MaxMemory = DefaultMaxMemory()
	}
	c, err := newCodec(&setup)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	h := allHints
	if opt.NoDead {
		h &^= deadHints
	}
	if opt.NoSymmetry || !symmetric(&setup) {
		h &^= hintSymmetry
	}
	start := time.Now()
	var cur atomic.Pointer[search]
	done := make(chan struct{})
	var wg sync.WaitGroup
	if opt.MaxMemory > 0 {
		old := debug.SetMemoryLimit(opt.MaxMemory)
		defer debug.SetMemoryLimit(old)
		wg.Add(1)
		go func() {
			defer wg.Done()
			watchMemory(opt.MaxMemory, done, func() {
				if s := cur.Load(); s != nil {
					s.memStop.Store(true)
					s.stop.Store(true)
				}
			})
		}()
	}
	if opt.Progress != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			every(opt.ProgressEvery, done, func() {
				s := cur.Load()
				s.sampleHeap()
				opt.Progress(Progress{Distinct: s.distinct.Load(), Transitions: s.transitions.Load(),
					Queue: s.queue.Load(), Depth: int(s.depth.Load()), Elapsed: time.Since(start)})
			})
		}()
	}
	defer func() {
		close(done)
		wg.Wait()
	}()
	var refuted []Refutation
	for {
		s := &search{setup: &setup, opt: opt, codec: c, h: h}
		s.cert = newCertifier(&setup, c, h)
		s.cert.stop = &s.memStop
		cur.Store(s)
		complete, err := s.run()
		if err != nil {
			return nil, err
		}
		if s.refuted != nil && !s.memStop.Load() {
			// The code does not bear the hint out: search again without
			// it. Each round switches at least one hint off.
			refuted = append(refuted, *s.refuted)
			h &^= s.refuted.hints
			continue
		}
		s.sampleHeap()
		r := &Result{
			Distinct: s.distinct.Load(), Transitions: s.transitions.Load(), MaxDepth: int(s.depth.Load()),
			Deadlocks: s.deadlocks.Load(), BoundDeadlocks: s.boundDead.Load(), FirstDeadlock: s.firstDead,
			Chosen: s.chosen.Load(), AllLearned: s.allLearned.Load(), Complete: complete,
			Symmetry: h&hintSymmetry != 0, Dead: h&deadHints != 0, Hints: h.names(),
			Refuted: refuted, Restarts: len(refuted), Certified: s.cert.steps,
			SetNetwork: setup.SetNetwork, Workers: opt.Workers, Elapsed: time.Since(start),
			PeakHeap: s.peakHeap, StoreBytes: int64(s.visited.Bytes() + s.parents.bytes()), MaxMemory: max(opt.MaxMemory, 0),
		}
		switch {
		case s.memStop.Load():
			r.Complete, r.Stopped = false, "max-memory"
		case !complete && s.found == nil && opt.MaxStates > 0 && r.Distinct >= opt.MaxStates:
			r.Stopped = "max-states"
		case !complete && s.found == nil:
			r.Stopped = "max-depth"
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
	// built says that child already holds the successor being visited.
	built bool
	ch    world.Change
	ident []byte // identity encoding of a state for the frontier
	acts  []world.Action
	// seen holds the keys of the (class, input) pairs this worker has
	// handed the certifier (pending, until the level ends).
	seen    fpShard
	pending []certRecord
	// stutter caches, by class key, whether a crash of the node stutters.
	stutter map[uint64]bool
	// out receives the successors; prev is the level before, read while
	// out is written (breadth-first).
	out, prev *level
	trans     int64
	// check checks a state's invariants (Options.Check, or the worker's
	// own invariant.Checker).
	check func(s *world.Setup, st *world.State, depth int) *invariant.Violation
}

func (s *search) newWorker() *worker {
	w := &worker{s: s, out: &level{}, prev: &level{}, stutter: map[uint64]bool{}}
	w.fp.c = s.codec // read-only
	w.fp.h = s.h
	w.check = s.opt.Check
	if w.check == nil {
		w.check = new(invariant.Checker).CheckWorld
	}
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
	w0.ident = w0.fp.c.encode(w0.ident[:0], &init)
	s.visited.Insert(initFP)
	s.parents.add(0, 0)
	s.distinct.Store(1)
	if v := w0.check(s.setup, &init, 0); v != nil {
		s.found = &finding{violation: v, act: -1}
		return false, nil
	}
	s.sometimes(&init)
	// The certifier starts from every node's initial local state.
	w0.fp.load(&init)
	for i := range init.Nodes {
		s.cert.addVariant(local{n: init.Nodes[i], d: init.Stored[i], mc: w0.fp.mc[i], t: init.Timers&(1<<uint(i)) != 0})
	}
	s.workers = []*worker{w0}
	if s.opt.DFS {
		return s.dfs(w0, initFP)
	}
	return s.bfs(w0, initFP)
}

// certify hands the certifier what the workers recorded and closes its
// sets; it reports whether a hint was refuted (the search must stop and
// start again without it).
func (s *search) certify() bool {
	var recs []certRecord
	for _, w := range s.workers {
		recs = append(recs, w.pending...)
		w.pending = w.pending[:0]
	}
	if r := s.cert.add(recs); r != nil {
		s.refuted = r
		s.stop.Store(true)
		return true
	}
	// A closure cut short by a memory stop certifies nothing: the search
	// ends incomplete.
	return s.cert.stopped
}

func (s *search) bfs(w0 *worker, initFP uint64) (bool, error) {
	for len(s.workers) < s.opt.Workers {
		s.workers = append(s.workers, s.newWorker())
	}
	workers := s.workers
	// Each worker writes the next level into one of its two levels while
	// the current level (the other ones) is read.
	first := &level{}
	first.push(w0.ident, initFP, 0, 0)
	cur := &frontier{}
	cur.add(first)
	base := uint32(0) // number of cur's first state
	complete := true
	for depth := 0; cur.n > 0; depth++ {
		s.depth.Store(int64(depth))
		if s.opt.MaxDepth > 0 && depth >= s.opt.MaxDepth {
			complete = false
			break
		}
		s.queue.Store(int64(cur.n))
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, len(workers))
		const chunk = 32
		for wi, w := range workers {
			w.out, w.prev = w.prev, w.out
			w.out.reset()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !s.stop.Load() {
					lo := int(next.Add(chunk)) - chunk
					if lo >= cur.n {
						return
					}
					hi := min(lo+chunk, cur.n)
					for i := lo; i < hi && !s.stop.Load(); i++ {
						enc, fp := cur.get(i)
						if err := w.expand(enc, fp, base+uint32(i), depth); err != nil {
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
		// No verdict before the reductions used so far are certified:
		// a violation found with a refuted hint is found again without
		// it, and then as shortest.
		if s.certify() {
			return false, nil
		}
		if s.found != nil || s.memStop.Load() {
			return false, nil
		}
		// The next level, in worker order: numbers are assigned here.
		base += uint32(cur.n)
		nxt := &frontier{}
		for _, w := range workers {
			for i := 0; i < w.out.len(); i++ {
				s.parents.add(w.out.parent[i], w.out.act[i])
			}
			nxt.add(w.out)
			s.transitions.Add(w.trans)
			w.trans = 0
		}
		if nxt.n > 0 {
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
	if got := w.fp.load(&w.st); verifyFingerprints && got != encFP {
		return fmt.Errorf("explore: state %d decodes to fingerprint %x, stored as %x", num, got, encFP)
	}
	moved := false
	for k := range w.acts {
		a := &w.acts[k]
		if w.skip(a) {
			continue
		}
		ch := &w.ch
		if err := w.st.Peek(s.setup, *a, ch); err != nil {
			return fmt.Errorf("explore: enabled action %s failed: %w", *a, err)
		}
		w.trans++
		var fp uint64
		fp, w.built = w.fp.child(ch, &w.child)
		if fp == encFP {
			// A self-loop, or a step that changes only what no later
			// step reads: the state is already stored.
			continue
		}
		moved = true
		if stop, err := w.visit(k, fp, ch, num, depth); stop || err != nil {
			return err
		}
	}
	if !moved {
		s.deadlock(&w.st, num, depth)
	}
	if w.fp.cross != nil && w.fp.sym() {
		return crossErr(w.fp.cross)
	}
	return nil
}

// skip records action a of the loaded state for the certifier and reports
// whether the dead-state reduction leaves it unexplored: an action on a
// dead message, or a crash that only pauses its node (dead.go).
func (w *worker) skip(a *world.Action) bool {
	h := w.s.h
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
	j := w.s.codec.nodeIdx[a.Node]
	if a.Kind == world.ActDeliver || a.Kind == world.ActCrashMidStep {
		j = w.s.codec.nodeIdx[a.Msg.To]
	}
	l := func() local {
		return local{n: w.st.Nodes[j], d: w.st.Stored[j], mc: w.fp.mc[j], t: w.st.Timers&(1<<uint(j)) != 0}
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
			st = stutters(w.s.setup, &l)
			w.stutter[key] = st
			if st {
				w.pending = append(w.pending, certRecord{key: mix64(key ^ saltStutter), l: l, stutter: true})
			}
		}
		if st {
			return true
		}
	}
	if key := mix64(w.fp.keys[j] ^ w.s.codec.actionKey(a)); w.seen.insert(norm(key)) {
		w.pending = append(w.pending, certRecord{key: key, l: l(), a: *a})
	}
	return false
}

// visit handles the successor that action k (change ch) leads to, with
// fingerprint fp: if it is new, it is built (unless w.built says it is in
// w.child already), counted, checked and queued in its identity encoding.
// It reports whether the search must stop (a violation, or MaxStates).
func (w *worker) visit(k int, fp uint64, ch *world.Change, num uint32, depth int) (bool, error) {
	s := w.s
	if !s.visited.Insert(fp) {
		return false, nil
	}
	if !w.built {
		copyState(&w.child, &w.st)
		w.child.Commit(s.setup, ch)
	}
	if verifyFingerprints {
		if whole := w.fp.fingerprint(&w.child); whole != fp {
			return true, fmt.Errorf("explore: %s: fingerprint %x worked out from the change, %x from the state", ch.Action, fp, whole)
		}
	}
	n := s.distinct.Add(1)
	if v := w.check(s.setup, &w.child, depth+1); v != nil {
		s.report(&finding{violation: v, parent: num, act: k, depth: depth + 1})
		return true, nil
	}
	s.sometimes(&w.child)
	w.ident = w.fp.c.encode(w.ident[:0], &w.child)
	w.out.push(w.ident, fp, num, uint8(k))
	if s.opt.MaxStates > 0 && n >= s.opt.MaxStates {
		s.stop.Store(true)
		return true, nil
	}
	return false, nil
}

// verifyFingerprints makes every search check each stored state's
// fingerprint, worked out from the change that led to it, against the
// whole hash of the state (tests switch it on).
var verifyFingerprints bool

func copyState(dst, src *world.State) {
	dst.IDs = src.IDs // shared, never modified
	dst.Nodes = append(dst.Nodes[:0], src.Nodes...)
	dst.Stored = append(dst.Stored[:0], src.Stored...)
	dst.Net = append(dst.Net[:0], src.Net...)
	dst.Sent = append(dst.Sent[:0], src.Sent...)
	dst.Invoked, dst.Returned, dst.Learned, dst.Timers, dst.Used = src.Invoked, src.Returned, src.Learned, src.Timers, src.Used
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
	if !s.chosen.Load() {
		// The invariants' definition of chosen (spec Chosen), the one the
		// simulator uses too; only until the first chosen state.
		if a := invariant.FromWorld(s.setup, st); invariant.AnyChosen(&a) {
			s.chosen.Store(true)
		}
	}
	if !s.allLearned.Load() && len(s.setup.Config.Learners) > 0 &&
		st.Learned == 1<<uint(len(s.setup.Config.Learners))-1 {
		s.allLearned.Store(true)
	}
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

// boundArtefact reports whether some node's timer is armed, and it would
// take the timeout, but that would start a round above Setup.MaxRound: the
// deadlock is then an effect of bounding rounds, not of the protocol.
func boundArtefact(s *world.Setup, st *world.State) bool {
	for i := range st.Nodes {
		if n := &st.Nodes[i]; st.Timers&(1<<uint(i)) != 0 && !n.Crashed && !s.InRoundBound(n) && s.TakesTimeout(n) {
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
