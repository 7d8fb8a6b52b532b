package explore

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paxoscheck/paxoscheck/checker/graph"
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
	// ErrOptions: the options or the model cannot be explored.
	ErrOptions = errors.New("invalid explore options")
)

// Model is a protocol as the explorer searches it: its state graph
// (graph.Protocol), its invariants and the "sometimes" facts (a value is
// chosen: graph.Checker; every learner learned: AllLearned). For
// single-decree Paxos it is checker/paxos/paxosexplore's. The same methods make
// a sim.Model, so one adapter serves both checkers.
type Model[I, K ~uint8, N any, M graph.Message[M], D, E any] interface {
	graph.Protocol[I, K, N, M, D, E]
	// NewChecker returns an invariant checker for one worker.
	NewChecker() graph.Checker[I, N, M, D]
	// AllLearned is State.Learned once every node that learns has
	// learned (0: no node learns, and the fact is never reached).
	AllLearned() uint64
}

// Options bound and shape a search. The zero value (with a Model's
// graph) is a complete breadth-first search on all cores, every state
// hashed whole.
type Options[I, K ~uint8, N any, M graph.Message[M], D, E any] struct {
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
	// Order, when not 0, is the seed of the order in which a depth-first
	// search takes each state's successors: a shuffle drawn from a PCG
	// generator seeded with it, instead of the model's order. Searches
	// bounded by MaxStates or MaxDepth with different orders reach
	// different states; a complete search reaches the same states in any
	// order. Only with DFS.
	Order uint64
	// Shards, when not 0, makes this search one of that many shards of a
	// breadth-first search, the one numbered Shard (0 to Shards-1;
	// shard.go): every shard searches the levels up to ShardDepth (0: the
	// first level of at least ShardLevel states per shard) whole, and
	// then only below the states of that level it owns by fingerprint.
	// Together the shards reach every state the whole search reaches.
	Shard, Shards, ShardDepth int
	// Checkpoint, when set, is a directory where a breadth-first search
	// writes a checkpoint at a level boundary, at most every
	// CheckpointEvery (0: at every one); Resume goes on from the
	// checkpoint there (checkpoint.go). CheckpointID names the search (a
	// checkpoint of another is refused): the caller's words for its
	// model and options.
	Checkpoint      string
	CheckpointEvery time.Duration
	CheckpointID    string
	Resume          bool
	// Swarm, when not 0, runs that many depth-first searches one after
	// another, in the orders Order, Order+1, ... (swarm verification, for
	// bug hunting: swarm.go), each bounded by MaxStates, or when that is 0
	// by what MaxMemory holds. The swarm stops at the first violation, or
	// at a search that was complete; otherwise its result is incomplete
	// (Stopped "swarm"). Result.Swarm lists the searches.
	Swarm int
	// Reduction merges states and leaves actions out, on hypotheses it
	// proves against the code in the same run (reduce.go); nil: none,
	// every state is hashed whole (Exact).
	Reduction Reduction[I, K, N, M, D, E]
	// Decoder reads the frontier's states back; nil: graph.DecodeBinary
	// with the model. (A protocol's own may keep the values it knows
	// without allocating.)
	Decoder graph.Protocol[I, K, N, M, D, E]
	// Interrupt stops the search, incomplete (Result.Stopped
	// "interrupted"), when it is closed: the CLI closes it on Ctrl-C or
	// SIGTERM, so that a stopped search still reports what it did. nil:
	// never.
	Interrupt <-chan struct{}
	// MaxMemory stops the search, incomplete (Result.Stopped), when the
	// memory the process holds passes this many bytes; 0 means
	// DefaultMaxMemory(), a negative value no limit. The Go runtime is
	// also asked to keep the heap under it (debug.SetMemoryLimit) while
	// the search runs.
	MaxMemory int64
	// DeadlockIsError makes a deadlock that is not a bound artefact fail
	// the run.
	DeadlockIsError bool
	// Check replaces the model's invariants (tests plant a violation
	// with it, or collect states past violations); the model's checker
	// still runs, for the "sometimes" facts. It must be safe for
	// concurrent use.
	Check func(st *graph.State[I, N, M, D], depth int) *graph.Violation
	// FrontierMemory bounds, in bytes, the encoded states a breadth-first
	// search holds in memory for its current and next levels: past it,
	// full chunks of them are compressed to a file and read back when
	// their level is expanded (spill.go). 0 means a quarter of MaxMemory
	// (none without a MaxMemory), a negative value no bound. Counts and
	// verdicts do not depend on it.
	FrontierMemory int64
	// SpillDir is where the frontier's files go ("": the system's
	// temporary directory); they are unlinked at once.
	SpillDir string
	// VerifyFingerprints checks every stored state's fingerprint, as the
	// reduction worked it out from the change that led to it, against
	// the state's whole hash (tests switch it on; it costs a whole hash
	// per new state).
	VerifyFingerprints bool
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
	// Search is the running search of a swarm, from 1 (0: not a swarm);
	// the counts are its own, and SearchElapsed its time (Elapsed is the
	// swarm's).
	Search        int
	SearchElapsed time.Duration
}

// StatesPerSec is the rate of distinct states found so far (in a swarm,
// by the running search).
func (p Progress) StatesPerSec() float64 {
	t := p.Elapsed
	if p.Search > 0 {
		t = p.SearchElapsed
	}
	if t <= 0 {
		return 0
	}
	return float64(p.Distinct) / t.Seconds()
}

// Result is the outcome of a search.
type Result[I, K ~uint8, M graph.Message[M]] struct {
	// Violation is the first invariant failure found (nil if none); Path
	// leads from the initial state to the violating (or deadlocked) state.
	Violation *graph.Violation
	// Deadlock is set when the search stopped at a deadlock that is an
	// error (Options.DeadlockIsError); Path leads to it.
	Deadlock *Deadlock
	Path     []graph.Action[I, K, M]

	Distinct    int64
	Transitions int64
	MaxDepth    int
	// Deadlocks counts deadlocked states that are not bound artefacts;
	// BoundDeadlocks those where a node's timer is armed and it would
	// take the timeout but for the search's bounds
	// (graph.Protocol.TimeoutInBound).
	Deadlocks, BoundDeadlocks int64
	FirstDeadlock             *Deadlock
	// Chosen and AllLearned say whether the "sometimes" properties were
	// reached.
	Chosen, AllLearned bool
	// Complete is false when MaxStates, MaxDepth, MaxMemory or Interrupt
	// cut the search short; Stopped then says which ("max-states",
	// "max-depth", "max-memory", "interrupted").
	Complete bool
	Stopped  string
	// Queued is how many states were waiting to be expanded when the
	// search ended (breadth-first: what was left of the level being
	// expanded): the work an incomplete search left undone, at least.
	Queued int64
	// Reduced describes the reduction in force in the final search
	// (Reduction.Describe).
	Reduced
	// Refuted lists the hypotheses the code under test refuted, in order;
	// the search was started again without each (Restarts times).
	// Certified counts the node steps the reduction's proof ran.
	Refuted   []Refutation
	Restarts  int
	Certified int64
	// SetNetwork: the search ran on the set network
	// (graph.Options.SetNetwork), where a deadlock is a state no action
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
	// Split describes the level a shard's search split at (Options.Shards;
	// zero when not a shard).
	Split ShardSplit
	// Resumed is the depth plus one of the level a resumed search went on
	// from (Options.Resume; 0: not resumed). Checkpointed is the depth
	// plus one of the last checkpoint written (0: none);
	// CheckpointErr the first that could not be (the search went on).
	Resumed, Checkpointed int
	CheckpointErr         error
	// Swarm lists a swarm's searches in the order they ran (nil: not a
	// swarm); the rest of the Result is the last one's, but Elapsed,
	// which is the whole swarm's.
	Swarm []SwarmSearch
	// Spilled and SpilledDisk are the bytes of encoded states the
	// frontier sent to disk (Options.FrontierMemory), before and after
	// compression; 0: nothing spilled.
	Spilled, SpilledDisk int64
	// SqueezedAt is the depth (from 1) at which the memory the process
	// held passed three quarters of MaxMemory, so that the frontier kept
	// only a few chunks in memory from there on, whatever
	// Options.FrontierMemory allowed, and let go of the rest; 0: never
	// (or the search never spills: FrontierMemory 0).
	SqueezedAt int
}

// Deadlock describes a deadlocked state.
type Deadlock struct {
	Depth int
	// Waiting is the clients invoked and not returned.
	Waiting graph.Clients
}

// StatesPerSec is distinct states per second of wall time.
func (r *Result[I, K, M]) StatesPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Distinct) / r.Elapsed.Seconds()
}

// BytesPerState is StoreBytes per distinct state.
func (r *Result[I, K, M]) BytesPerState() float64 {
	if r.Distinct == 0 {
		return 0
	}
	return float64(r.StoreBytes) / float64(r.Distinct)
}

// Err is the verdict: nil when every check passed (or the search was cut
// short before finding anything), else an error wrapping ErrViolation,
// ErrDeadlock or ErrVacuous. A shard that split its search
// (Options.Shards) is never vacuous on its own: the "sometimes" facts are
// the shards' together.
func (r *Result[I, K, M]) Err() error {
	shard := r.Split.Level > 0
	switch {
	case r.Violation != nil:
		return fmt.Errorf("%w: %s", ErrViolation, r.Violation.Error())
	case r.Deadlock != nil && r.SetNetwork:
		return fmt.Errorf("%w at depth %d: clients %v wait and no action changes the state", ErrDeadlock, r.Deadlock.Depth, r.Deadlock.Waiting)
	case r.Deadlock != nil:
		return fmt.Errorf("%w at depth %d: clients %v wait and no action is enabled", ErrDeadlock, r.Deadlock.Depth, r.Deadlock.Waiting)
	case r.Complete && !shard && !r.Chosen:
		return fmt.Errorf("%w: no reachable state has a chosen value", ErrVacuous)
	case r.Complete && !shard && !r.AllLearned:
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
	// sp, when set, takes the level's full chunks when the frontier is
	// over its memory budget (spill.go): chunk k is then nil and disk[k]
	// says where it went, in sp's file par. gen changes whenever the
	// level is emptied, so that a reader's copy of a spilled chunk is
	// never taken for the next depth's. err is the first spill error.
	sp   *spill
	par  int
	disk []chunkLoc
	gen  uint64
	err  error
}

// chunkSize is the size of a level's chunks (a variable for the tests,
// which make chunks small to spill small searches).
var chunkSize = 1 << 20

func (l *level) len() int { return len(l.ends) }

// get returns entry i's encoding, from a chunk in memory.
func (l *level) get(i int) []byte {
	return l.chunks[l.at[i]>>32][uint32(l.at[i]):l.ends[i]]
}

// read returns entry i's encoding, reading its chunk back into c when it
// was spilled.
func (l *level) read(i int, c *chunkCache) ([]byte, error) {
	k := int(l.at[i] >> 32)
	if l.chunks[k] != nil {
		return l.get(i), nil
	}
	if c.l != l || c.k != k || c.gen != l.gen {
		chunk, z, err := l.sp.get(l.par, l.disk[k], c.buf, c.z)
		c.z = z
		if err != nil {
			c.l = nil
			return nil, err
		}
		c.buf, c.l, c.k, c.gen = chunk, l, k, l.gen
	}
	return c.buf[uint32(l.at[i]):l.ends[i]], nil
}

func (l *level) push(enc []byte, fp uint64, parent uint32, act uint8) {
	k := len(l.chunks) - 1
	if k < 0 || len(l.chunks[k])+len(enc) > cap(l.chunks[k]) {
		l.dropSpares()
		var c []byte
		n := len(l.spare)
		switch {
		case n > 0 && cap(l.spare[n-1]) >= len(enc):
			c, l.spare = l.spare[n-1][:0], l.spare[:n-1]
		case l.sp != nil && k >= 0 && l.err == nil && cap(l.chunks[k]) >= len(enc) && l.sp.overBudget(max(chunkSize, len(enc))):
			// Over budget: the full chunk goes to disk and its buffer
			// takes the next states.
			loc, err := l.sp.put(l.par, l.chunks[k])
			if err != nil {
				l.err = err
				c = l.newChunk(len(enc))
				break
			}
			l.disk[k], c, l.chunks[k] = loc, l.chunks[k][:0], nil
		default:
			c = l.newChunk(len(enc))
		}
		l.chunks = append(l.chunks, c)
		l.disk = append(l.disk, chunkLoc{})
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

// dropSpares lets go of spare chunks while the frontier holds more than
// its budget, which only a squeeze (search.squeeze) lowers below what is
// held: the memory goes back to the collector, and the frontier's states
// to disk from then on.
func (l *level) dropSpares() {
	if l.sp == nil || !l.sp.squeezedNow() {
		return
	}
	for n := len(l.spare); n > 0 && l.sp.overBudget(0); n-- {
		l.sp.inMem.Add(-int64(cap(l.spare[n-1])))
		l.spare[n-1] = nil
		l.spare = l.spare[:n-1]
	}
}

// newChunk allocates a chunk for an entry of size bytes, counted against
// the spill's budget.
func (l *level) newChunk(size int) []byte {
	c := make([]byte, 0, max(chunkSize, size))
	if l.sp != nil {
		l.sp.inMem.Add(int64(cap(c)))
	}
	return c
}

// truncate keeps the first n entries (the depth-first stack pops this
// way; a level that spilled is only ever emptied, n = 0).
func (l *level) truncate(n int) {
	keep := 0
	if n > 0 {
		k := int(l.at[n-1] >> 32)
		l.chunks[k] = l.chunks[k][:l.ends[n-1]]
		keep = k + 1
	}
	for _, c := range l.chunks[keep:] {
		if c != nil {
			l.spare = append(l.spare, c)
		}
	}
	l.dropSpares()
	clear(l.chunks[keep:])
	l.chunks = l.chunks[:keep]
	l.disk = l.disk[:min(keep, len(l.disk))]
	l.gen++
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

// read returns state i's encoding and fingerprint (c: the reader's copy
// of a spilled chunk).
func (f *frontier) read(i int, c *chunkCache) ([]byte, uint64, error) {
	k := len(f.starts) - 1
	for f.starts[k] > i {
		k--
	}
	l, j := f.segs[k], i-f.starts[k]
	enc, err := l.read(j, c)
	return enc, l.fps[j], err
}

// search is the shared state of one run.
type search[I, K ~uint8, N any, M graph.Message[M], D, E any] struct {
	m       Model[I, K, N, M, D, E]
	p       graph.Protocol[I, K, N, M, D, E] // m, as a graph.Protocol
	opt     Options[I, K, N, M, D, E]
	red     Reduction[I, K, N, M, D, E] // the reduction in force
	init    graph.State[I, N, M, D]
	full    uint64 // Model.AllLearned
	visited fpSet
	parents parentStore
	// refuted is the refutation that ended this search, if any: Run
	// starts again without the hypothesis.
	refuted *Refutation
	workers []*worker[I, K, N, M, D, E]

	distinct    atomic.Int64
	transitions atomic.Int64
	queue       atomic.Int64
	depth       atomic.Int64
	stop        atomic.Bool
	// memStop: stopped from outside the search (the memory limit or an
	// interrupt), with no verdict; the proof of the reduction obeys it too.
	memStop atomic.Bool
	// squeezeAt is the depth (from 1) at which the memory held passed
	// 3/4 of MaxMemory; from then on the frontier keeps only a few chunks
	// in memory (0: not squeezed).
	squeezeAt  atomic.Int64
	chosen     atomic.Bool
	allLearned atomic.Bool
	deadlocks  atomic.Int64
	boundDead  atomic.Int64

	mu sync.Mutex // guards the fields below
	// found is the first error state: its parent's number and the action
	// index (violation or deadlock), or, for a deadlock, its own number.
	found     *finding
	firstDead *Deadlock
	peakHeap  uint64
	// spilled and spilledDisk are the frontier's bytes that went to disk,
	// before and after compression.
	spilled, spilledDisk int64
	// split is where a shard split the search, and owned how many states
	// of that level it expanded.
	split ShardSplit
	owned atomic.Int64
	// resumed is the checkpoint this search goes on from (nil: none),
	// resumedAt its depth plus one (0: not resumed); began when the
	// search began, counting the run a checkpoint resumes; ckptErr the
	// first checkpoint that could not be written (the search goes on),
	// ckptDepth the last written's depth plus one.
	resumed   *checkpoint
	resumedAt int
	began     time.Time
	ckptErr   error
	ckptDepth int
}

type finding struct {
	violation *graph.Violation
	deadlock  *Deadlock
	// parent, act lead to the state (act < 0: the state is parent itself).
	parent uint32
	act    int
	depth  int
}

// Run explores the state graph of m under opt. The reduction it tries is
// proved against the code as the search goes (reduce.go); when the code
// refutes a hypothesis of it, the search starts again without that
// hypothesis, and Result says so.
func Run[I, K ~uint8, N any, M graph.Message[M], D, E any](m Model[I, K, N, M, D, E], opt Options[I, K, N, M, D, E]) (*Result[I, K, M], error) {
	if m.GraphOptions().Unbounded {
		return nil, fmt.Errorf("%w: the graph is unbounded (a replay's options): it would be infinite", ErrOptions)
	}
	if opt.Workers < 0 || opt.MaxStates < 0 || opt.MaxDepth < 0 {
		return nil, fmt.Errorf("%w: negative workers, max states or max depth", ErrOptions)
	}
	if opt.Swarm < 0 {
		return nil, fmt.Errorf("%w: a negative number of swarm searches", ErrOptions)
	}
	if opt.Shards < 0 || opt.Shard < 0 || opt.ShardDepth < 0 || (opt.Shards > 0 && opt.Shard >= opt.Shards) || (opt.Shards == 0 && (opt.Shard > 0 || opt.ShardDepth > 0)) {
		return nil, fmt.Errorf("%w: shard %d of %d (split at depth %d): a shard is numbered 0 to shards-1", ErrOptions, opt.Shard, opt.Shards, opt.ShardDepth)
	}
	if (opt.Checkpoint != "" || opt.Resume) && opt.DFS {
		return nil, fmt.Errorf("%w: checkpoints are written at the levels of a breadth-first search; a depth-first search has none", ErrOptions)
	}
	if opt.Resume && opt.Checkpoint == "" {
		return nil, fmt.Errorf("%w: resume needs the checkpoint's directory", ErrOptions)
	}
	if opt.Shards > 0 && opt.DFS {
		return nil, fmt.Errorf("%w: shards split a breadth-first search at a level; a depth-first search has none", ErrOptions)
	}
	if (opt.Order != 0 || opt.Swarm > 0) && !opt.DFS {
		return nil, fmt.Errorf("%w: an order of successors (a swarm) needs depth-first search", ErrOptions)
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
	if opt.FrontierMemory == 0 && opt.MaxMemory > 0 {
		opt.FrontierMemory = opt.MaxMemory / 4
	}
	if opt.Decoder == nil {
		opt.Decoder = m
	}
	init, err := graph.Init(graph.Protocol[I, K, N, M, D, E](m))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	red := opt.Reduction
	if red == nil {
		red = Exact(graph.Protocol[I, K, N, M, D, E](m))
	}
	start := time.Now()
	var cur atomic.Pointer[search[I, K, N, M, D, E]]
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
					s.squeeze()
				}
			}, func() {
				if s := cur.Load(); s != nil {
					s.memStop.Store(true)
					s.stop.Store(true)
				}
			})
		}()
	}
	// interrupted is set once Interrupt is closed; it outlives the
	// search it stops, so that a restart after a refutation stops too.
	var interrupted atomic.Bool
	var searchNo, searchStart atomic.Int64 // a swarm's running search, from 1, and when it began (UnixNano)
	halt := func(s *search[I, K, N, M, D, E]) {
		s.memStop.Store(true)
		s.stop.Store(true)
	}
	if opt.Interrupt != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-done:
			case <-opt.Interrupt:
				interrupted.Store(true)
				if s := cur.Load(); s != nil {
					halt(s)
				}
			}
		}()
	}
	if opt.Progress != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			every(opt.ProgressEvery, done, func() {
				s := cur.Load()
				if s == nil {
					return // a checkpoint is being read
				}
				s.sampleHeap()
				p := Progress{Distinct: s.distinct.Load(), Transitions: s.transitions.Load(),
					Queue: s.queue.Load(), Depth: int(s.depth.Load()), Elapsed: time.Since(start), Search: int(searchNo.Load())}
				if p.Search > 0 {
					p.SearchElapsed = time.Since(time.Unix(0, searchStart.Load()))
				}
				opt.Progress(p)
			})
		}()
	}
	defer func() {
		close(done)
		wg.Wait()
	}()
	if d := red.Describe(); opt.Checkpoint != "" && (d.Symmetry || d.Dead || len(d.Hints) > 0) {
		// The proof of a reduction's hypotheses (its certifier) is not in
		// a checkpoint: a resumed search could not finish it, and would
		// rest on hypotheses half proved.
		return nil, fmt.Errorf("%w: checkpoints need a search without reductions, every state hashed whole: the proof of a reduction is not saved in a checkpoint", ErrOptions)
	}
	if opt.Checkpoint != "" {
		removeStaleTemps(opt.Checkpoint)
	}
	var resume *checkpoint
	if opt.Resume {
		if resume, err = readCheckpoint(opt.Checkpoint, ckptID(&opt)); err != nil {
			return nil, err
		}
	}
	if opt.Swarm > 0 {
		return swarm(opt, start, &interrupted, &searchNo, &searchStart, func(o Options[I, K, N, M, D, E]) (*Result[I, K, M], error) {
			return once(m, o, &red, init, start, &cur, &interrupted, halt, nil)
		})
	}
	return once(m, opt, &red, init, start, &cur, &interrupted, halt, resume)
}

// once is one search (with its restarts, should the code refute a
// hypothesis of the reduction) under Run's watchers: cur is the search
// they watch, interrupted says that Interrupt was closed.
func once[I, K ~uint8, N any, M graph.Message[M], D, E any](m Model[I, K, N, M, D, E], opt Options[I, K, N, M, D, E], redp *Reduction[I, K, N, M, D, E], init graph.State[I, N, M, D],
	start time.Time, cur *atomic.Pointer[search[I, K, N, M, D, E]], interrupted *atomic.Bool, halt func(*search[I, K, N, M, D, E]), resume *checkpoint) (*Result[I, K, M], error) {
	// A swarm's later searches start from the reduction its earlier
	// ones were left with.
	red := *redp
	defer func() { *redp = red }()
	var refuted []Refutation
	var before time.Duration // the time of the run a checkpoint resumes
	if resume != nil {
		before = resume.Elapsed
	}
	for {
		s := &search[I, K, N, M, D, E]{m: m, p: m, opt: opt, red: red, init: init, full: m.AllLearned(),
			resumed: resume, began: start.Add(-before)}
		// A restart after a refutation starts from the initial state, as
		// it would have in a run never stopped.
		resume = nil
		cur.Store(s)
		// An Interrupt closed already stops the search before it starts,
		// whether or not the watcher has seen it yet.
		select {
		case <-opt.Interrupt:
			interrupted.Store(true)
		default:
		}
		if interrupted.Load() {
			halt(s)
		}
		complete, err := s.run()
		if err != nil {
			return nil, err
		}
		if s.refuted != nil && !s.memStop.Load() {
			// The code does not bear the hypothesis out: search again
			// without it. Each round switches at least one off.
			refuted = append(refuted, *s.refuted)
			before := red.Describe()
			red = red.Without(s.refuted)
			if after := red.Describe(); slices.Equal(after.Hints, before.Hints) && after.Symmetry == before.Symmetry && after.Dead == before.Dead {
				// A reduction that keeps what was refuted would
				// restart for ever.
				return nil, fmt.Errorf("explore: the reduction kept the hypothesis %q that the code refuted (%s)", s.refuted.Hint, s.refuted.Detail)
			}
			continue
		}
		s.sampleHeap()
		r := &Result[I, K, M]{
			Distinct: s.distinct.Load(), Transitions: s.transitions.Load(), MaxDepth: int(s.depth.Load()),
			Deadlocks: s.deadlocks.Load(), BoundDeadlocks: s.boundDead.Load(), FirstDeadlock: s.firstDead,
			Chosen: s.chosen.Load(), AllLearned: s.allLearned.Load(), Complete: complete,
			Reduced: red.Describe(), Refuted: refuted, Restarts: len(refuted), Certified: red.Certified(),
			SetNetwork: m.GraphOptions().SetNetwork, Workers: opt.Workers, Elapsed: time.Since(s.began), Resumed: s.resumedAt,
			Checkpointed: s.ckptDepth, CheckpointErr: s.ckptErr,
			PeakHeap: s.peakHeap, StoreBytes: int64(s.visited.Bytes() + s.parents.bytes()), MaxMemory: max(opt.MaxMemory, 0),
			Spilled: s.spilled, SpilledDisk: s.spilledDisk, Queued: s.queue.Load(), Split: s.shardSplit(),
		}
		if opt.FrontierMemory > 0 {
			r.SqueezedAt = int(s.squeezeAt.Load())
		}
		switch {
		case s.memStop.Load() && interrupted.Load():
			r.Complete, r.Stopped = false, "interrupted"
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
			// The error state is the deepest reached (the search stops
			// with it, one level below the one it was expanding).
			r.MaxDepth = max(r.MaxDepth, f.depth)
			path, err := s.rebuild(f)
			if err != nil {
				return nil, err
			}
			r.Path = path
		}
		return r, nil
	}
}

func (s *search[I, K, N, M, D, E]) sampleHeap() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.mu.Lock()
	if m.HeapInuse > s.peakHeap {
		s.peakHeap = m.HeapInuse
	}
	s.mu.Unlock()
}

// worker holds one goroutine's scratch space.
type worker[I, K ~uint8, N any, M graph.Message[M], D, E any] struct {
	s     *search[I, K, N, M, D, E]
	fp    Hasher[I, K, N, M, D, E]
	st    graph.State[I, N, M, D]
	child graph.State[I, N, M, D]
	// built says that child already holds the successor being visited.
	built bool
	ch    graph.Change[I, K, N, M, D, E]
	ident []byte // identity encoding of a state for the frontier
	acts  []graph.Action[I, K, M]
	// out receives the successors; prev is the level before, read while
	// out is written (breadth-first).
	out, prev *level
	trans     int64
	check     graph.Checker[I, N, M, D]
	cache     chunkCache // its copy of the spilled chunk it reads
}

func (s *search[I, K, N, M, D, E]) newWorker() *worker[I, K, N, M, D, E] {
	return &worker[I, K, N, M, D, E]{s: s, out: &level{}, prev: &level{}, fp: s.red.NewHasher(), check: s.m.NewChecker()}
}

// checkState runs the invariants (and Options.Check) on st, and notes the
// "sometimes" facts it reaches.
func (w *worker[I, K, N, M, D, E]) checkState(st *graph.State[I, N, M, D], depth int) *graph.Violation {
	s := w.s
	v := w.check.Check(st, depth)
	if s.opt.Check != nil {
		// The model's checker still runs: it says whether a value is
		// chosen.
		v = s.opt.Check(st, depth)
	}
	if v != nil {
		return v
	}
	if !s.chosen.Load() && w.check.AnyChosen() {
		s.chosen.Store(true)
	}
	if !s.allLearned.Load() && s.full != 0 && st.Learned == s.full {
		s.allLearned.Store(true)
	}
	return nil
}

// run performs the search; it reports whether it was complete.
func (s *search[I, K, N, M, D, E]) run() (bool, error) {
	init := s.init.Clone()
	if err := s.red.Start(&init, &s.memStop); err != nil {
		return false, err
	}
	w0 := s.newWorker()
	if s.resumed != nil {
		s.workers = []*worker[I, K, N, M, D, E]{w0}
		return s.bfs(w0, 0)
	}
	initFP := w0.fp.Fingerprint(&init)
	w0.ident = graph.AppendBinary(s.p, w0.ident[:0], &init)
	s.visited.Insert(initFP)
	s.parents.add(0, 0)
	s.distinct.Store(1)
	if v := w0.checkState(&init, 0); v != nil {
		s.found = &finding{violation: v, act: -1}
		return false, nil
	}
	s.workers = []*worker[I, K, N, M, D, E]{w0}
	if s.opt.DFS {
		return s.dfs(w0, initFP)
	}
	return s.bfs(w0, initFP)
}

// hashers are the workers' hashers, in worker order.
func (s *search[I, K, N, M, D, E]) hashers() []Hasher[I, K, N, M, D, E] {
	hs := make([]Hasher[I, K, N, M, D, E], len(s.workers))
	for i, w := range s.workers {
		hs[i] = w.fp
	}
	return hs
}

// certify has the reduction prove what the workers recorded; it reports
// whether the search must stop: a hypothesis was refuted (the search
// starts again without it) or the proof was cut short (a memory stop: no
// verdict).
func (s *search[I, K, N, M, D, E]) certify() bool {
	ref, stopped := s.red.Certify(s.hashers())
	if ref != nil {
		s.refuted = ref
		s.stop.Store(true)
		return true
	}
	return stopped
}

func (s *search[I, K, N, M, D, E]) bfs(w0 *worker[I, K, N, M, D, E], initFP uint64) (bool, error) {
	for len(s.workers) < s.opt.Workers {
		s.workers = append(s.workers, s.newWorker())
	}
	workers := s.workers
	// Each worker writes the next level into one of its two levels while
	// the current level (the other ones) is read.
	var sp *spill
	if s.opt.FrontierMemory > 0 {
		sp = newSpill(s.opt.SpillDir, s.opt.FrontierMemory)
		sp.squeezeAt = &s.squeezeAt
		defer func() {
			s.spilled, s.spilledDisk = sp.raw.Load(), sp.disk.Load()
			sp.close()
		}()
	}
	first := &level{}
	cur := &frontier{}
	base := uint32(0) // number of cur's first state
	complete := true
	split := -1 // the depth at which a shard splits the search
	start := 0
	if ck := s.resumed; ck != nil {
		first.sp, first.par = sp, ck.Depth%2
		s.restore(ck, first)
		s.resumed = nil
		if first.err != nil {
			return false, first.err
		}
		base, split, start, s.resumedAt = ck.Base, ck.SplitAt, ck.Depth, ck.Depth+1
	} else {
		first.push(w0.ident, initFP, 0, 0)
	}
	cur.add(first)
	lastCkpt := time.Now()
	for depth := start; cur.n > 0; depth++ {
		s.depth.Store(int64(depth))
		if s.opt.MaxDepth > 0 && depth >= s.opt.MaxDepth {
			complete = false
			break
		}
		if split < 0 && s.splitsAt(depth, cur.n) {
			split = depth
			s.split = ShardSplit{Depth: depth, Level: int64(cur.n), Above: s.distinct.Load() - int64(cur.n)}
		}
		s.queue.Store(int64(cur.n))
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make([]error, len(workers))
		const chunk = 32
		// The next level goes to the spill file whose level (two back)
		// has been read.
		par := (depth + 1) % 2
		if sp != nil {
			if err := sp.empty(par); err != nil {
				return false, err
			}
		}
		for wi, w := range workers {
			w.out, w.prev = w.prev, w.out
			w.out.reset()
			w.out.sp, w.out.par = sp, par
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
						enc, fp, err := cur.read(i, &w.cache)
						if err == nil && depth == split && !s.owns(fp) {
							continue // another shard's
						}
						if err == nil {
							err = w.expand(enc, fp, base+uint32(i), depth)
						}
						if err != nil {
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
		// a violation found with a refuted hypothesis is found again
		// without it, and then as shortest.
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
		if s.opt.MaxMemory > 0 && nearLimit(heldNow(), s.opt.MaxMemory) {
			s.squeeze() // also here, between levels, and not only every 50 ms
		}
		if sp != nil {
			sp.tuneGC()
		}
		if s.stop.Load() {
			// MaxStates reached: the states found are stored, not expanded.
			return false, nil
		}
		cur = nxt
		if s.opt.Checkpoint != "" && cur.n > 0 && time.Since(lastCkpt) >= s.opt.CheckpointEvery {
			if err := s.writeCheckpoint(cur, depth+1, base, split, time.Since(s.began)); err != nil {
				// The search goes on: its verdict does not need the
				// checkpoint, and the last good one stays in place.
				if s.ckptErr == nil {
					s.ckptErr = err
				}
			} else {
				s.ckptDepth = depth + 2
			}
			lastCkpt = time.Now()
		}
	}
	return complete, nil
}

// squeeze makes --max-memory a budget the search lives within rather than
// only a stop: once the memory held passes three quarters of it, the
// frontier keeps only a few chunks in memory and sends the rest to disk,
// whatever FrontierMemory allowed (a search with FrontierMemory 0, told
// never to spill, is left alone). Only what cannot spill, the fingerprint
// set, the parents and the certifier, can then take the search to the
// limit, where it stops.
func (s *search[I, K, N, M, D, E]) squeeze() {
	s.squeezeAt.CompareAndSwap(0, s.depth.Load()+1)
}

// errCorrupt reports a frontier encoding that does not decode: a bug in
// this package or the protocol's codec, never bad input.
var errCorrupt = errors.New("explore: corrupt state encoding")

// expand generates the successors of the state enc (fingerprint encFP,
// number num, at depth depth) into w.out.
func (w *worker[I, K, N, M, D, E]) expand(enc []byte, encFP uint64, num uint32, depth int) error {
	s := w.s
	p := s.p
	if err := graph.DecodeBinary(s.opt.Decoder, enc, &s.init, &w.st); err != nil {
		return fmt.Errorf("%w: %w (%d bytes)", errCorrupt, err, len(enc))
	}
	w.acts = graph.Actions(p, &w.st, w.acts[:0])
	if len(w.acts) == 0 {
		s.deadlock(&w.st, num, depth)
		return nil
	}
	if len(w.acts) > 256 {
		return fmt.Errorf("%w: a state has %d enabled actions, at most 256 supported", ErrOptions, len(w.acts))
	}
	if got := w.fp.Load(&w.st); s.opt.VerifyFingerprints && got != encFP {
		return fmt.Errorf("explore: state %d decodes to fingerprint %x, stored as %x", num, got, encFP)
	}
	moved := false
	for k := range w.acts {
		a := &w.acts[k]
		if w.fp.Skip(a) {
			continue
		}
		ch := &w.ch
		if err := graph.Peek(p, &w.st, *a, ch); err != nil {
			return fmt.Errorf("explore: enabled action %s failed: %w", *a, err)
		}
		w.trans++
		var fp uint64
		fp, w.built = w.fp.Child(ch, &w.child)
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
	return w.fp.Expanded()
}

// visit handles the successor that action k (change ch) leads to, with
// fingerprint fp: if it is new, it is built (unless w.built says it is in
// w.child already), counted, checked and queued in its identity encoding.
// It reports whether the search must stop (a violation, or MaxStates).
func (w *worker[I, K, N, M, D, E]) visit(k int, fp uint64, ch *graph.Change[I, K, N, M, D, E], num uint32, depth int) (bool, error) {
	s := w.s
	if !s.visited.Insert(fp) {
		return false, nil
	}
	n := s.distinct.Add(1)
	if s.opt.MaxStates > 0 && n > s.opt.MaxStates {
		// Another worker took the last place under the cap: this state
		// is neither counted nor stored (the count stays exactly at the
		// cap), and the search stops.
		s.distinct.Add(-1)
		s.stop.Store(true)
		return true, nil
	}
	p := s.p
	if !w.built {
		CopyState(&w.child, &w.st)
		graph.Commit(p, &w.child, ch)
	}
	if s.opt.VerifyFingerprints {
		if whole := w.fp.Fingerprint(&w.child); whole != fp {
			return true, fmt.Errorf("explore: %s: fingerprint %x worked out from the change, %x from the state", ch.Action, fp, whole)
		}
	}
	if v := w.checkState(&w.child, depth+1); v != nil {
		s.report(&finding{violation: v, parent: num, act: k, depth: depth + 1})
		return true, nil
	}
	w.ident = graph.AppendBinary(p, w.ident[:0], &w.child)
	w.out.push(w.ident, fp, num, uint8(k))
	if err := w.out.err; err != nil {
		return true, err
	}
	if s.opt.MaxStates > 0 && n >= s.opt.MaxStates {
		s.stop.Store(true)
		return true, nil
	}
	return false, nil
}

// CopyState makes dst a copy of src, reusing dst's slices (IDs, never
// modified, is shared).
func CopyState[I ~uint8, N any, M graph.Message[M], D any](dst, src *graph.State[I, N, M, D]) {
	dst.IDs = src.IDs
	dst.Nodes = append(dst.Nodes[:0], src.Nodes...)
	dst.Stored = append(dst.Stored[:0], src.Stored...)
	dst.Net = append(dst.Net[:0], src.Net...)
	dst.Sent = append(dst.Sent[:0], src.Sent...)
	dst.History = append(dst.History[:0], src.History...)
	if src.History == nil {
		dst.History = nil
	}
	dst.Invoked, dst.Returned, dst.Learned, dst.Timers, dst.Used = src.Invoked, src.Returned, src.Learned, src.Timers, src.Used
}

// report records the first error state and stops the search.
func (s *search[I, K, N, M, D, E]) report(f *finding) {
	s.mu.Lock()
	if s.found == nil {
		s.found = f
	}
	s.mu.Unlock()
	s.stop.Store(true)
}

// deadlock handles a state with no enabled action.
func (s *search[I, K, N, M, D, E]) deadlock(st *graph.State[I, N, M, D], num uint32, depth int) {
	waiting := st.Invoked.Minus(st.Returned)
	if waiting.Empty() {
		return
	}
	if s.boundArtefact(st) {
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
// take the timeout, but the search's bounds forbid it
// (graph.Protocol.TimeoutInBound: a round above the bound, say): the
// deadlock is then an effect of the bounds, not of the protocol.
func (s *search[I, K, N, M, D, E]) boundArtefact(st *graph.State[I, N, M, D]) bool {
	for i := range st.Nodes {
		n := &st.Nodes[i]
		if st.Timers&(1<<uint(i)) != 0 && !s.m.Crashed(n) && !s.m.TimeoutInBound(n) &&
			s.m.Enabled(n, graph.Input[K, M, D]{Kind: graph.InTimeout}) {
			return true
		}
	}
	return false
}

// rebuild returns the path to the state of f: parent numbers back to the
// initial state, then action indices replayed forward.
func (s *search[I, K, N, M, D, E]) rebuild(f *finding) ([]graph.Action[I, K, M], error) {
	var chain []uint8
	if f.act >= 0 {
		chain = append(chain, uint8(f.act))
	}
	for n := f.parent; n != 0; {
		p, a := s.parents.get(n)
		chain = append(chain, a)
		n = p
	}
	p := s.p
	st := s.init.Clone()
	var path, acts []graph.Action[I, K, M]
	for i := len(chain) - 1; i >= 0; i-- {
		acts = graph.Actions(p, &st, acts[:0])
		k := int(chain[i])
		if k >= len(acts) {
			return nil, fmt.Errorf("explore: rebuilding the counterexample: action %d of %d at step %d", k, len(acts), len(path)+1)
		}
		if _, err := graph.Apply(p, &st, acts[k]); err != nil {
			return nil, fmt.Errorf("explore: rebuilding the counterexample: %w", err)
		}
		path = append(path, acts[k])
	}
	return path, nil
}
