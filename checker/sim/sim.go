package sim

import (
	"errors"
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// Weights are the relative probabilities of the kinds of action. At each
// step the simulator first picks a kind among those with an enabled action,
// with probability proportional to its weight, then one action of that kind
// uniformly. A weight of 0 means the kind is never picked (a fault with
// weight 0 never happens, whatever its budget).
type Weights struct {
	Deliver      int
	Invoke       int
	Timeout      int
	Drop         int
	Duplicate    int
	Crash        int
	CrashMidStep int
	Restart      int
}

// DefaultWeights favour deliveries, so that runs make progress and values
// get chosen, while every fault still happens in most runs.
func DefaultWeights() Weights {
	return Weights{Deliver: 60, Invoke: 10, Timeout: 6, Drop: 5, Duplicate: 5, Crash: 3, CrashMidStep: 2, Restart: 10}
}

// kindOrder is the order in which kinds are offered to the Chooser: choice
// 0 is a delivery, so that rapid, which shrinks towards 0, shrinks towards
// the failure-free schedule.
var kindOrder = [...]graph.ActionKind{graph.ActDeliver, graph.ActInvoke, graph.ActTimeout,
	graph.ActDrop, graph.ActDuplicate, graph.ActCrash, graph.ActCrashMidStep, graph.ActRestart}

func (w *Weights) of(k graph.ActionKind) int {
	switch k {
	case graph.ActDeliver:
		return w.Deliver
	case graph.ActInvoke:
		return w.Invoke
	case graph.ActTimeout:
		return w.Timeout
	case graph.ActDrop:
		return w.Drop
	case graph.ActDuplicate:
		return w.Duplicate
	case graph.ActCrash:
		return w.Crash
	case graph.ActCrashMidStep:
		return w.CrashMidStep
	case graph.ActRestart:
		return w.Restart
	}
	return 0
}

// Model is a protocol as the simulator runs it: its state graph
// (graph.Protocol) and what only it knows besides: whether its
// configuration can run, its invariants and "sometimes" properties
// (Checker), and how a run becomes a trace of type T. For single-decree
// Paxos it is checker/paxos/paxosmodel's Model.
type Model[I, K ~uint8, N any, M graph.Message[M], D, E, T any] interface {
	graph.Protocol[I, K, N, M, D, E]
	// Validate reports the first problem with the configuration.
	Validate() error
	// Copy returns a copy that changes to the original do not reach (New
	// keeps one, as it keeps the rest of the options by value).
	Copy() Model[I, K, N, M, D, E, T]
	// NewChecker returns the invariant checker of one run.
	NewChecker() graph.Checker[I, N, M, D]
	// AllLearned is State.Learned once every node that learns has
	// learned (the "sometimes" fact that every learner learned).
	AllLearned() uint64
	// Record replays a run's actions from the initial state and returns
	// its trace, with source and seed (nil: none) in its header and
	// violation v (nil: none); Annotate sets v on a recorded trace.
	Record(actions []graph.Action[I, K, M], source string, seed *uint64, v *graph.Violation) (T, error)
	Annotate(tr *T, v *graph.Violation)
}

// TraceCheck is a check run on the trace of every run that broke no
// invariant: the extension point for checks that need a whole history, such
// as linearizability (checker/linearize, issue 5 item 6). Check returns nil
// when the trace passes; an error is reported as a violation named Name at
// the last step. A check that cannot decide (a Porcupine timeout) must
// return an error, never nil: unknown is not a pass.
type TraceCheck[T any] struct {
	Name  string
	Check func(tr *T) error
}

// Options configure a simulator.
type Options[I, K ~uint8, N any, M graph.Message[M], D, E, T any] struct {
	// Model is the protocol and its cluster: its configuration, clients,
	// fault budgets (Model.GraphOptions) and search bounds.
	Model Model[I, K, N, M, D, E, T]
	// Weights of the action kinds.
	Weights Weights
	// MaxSteps bounds the length of a run; a run also ends when no action
	// is enabled.
	MaxSteps int
	// Checks run on the trace of each run after it ends without an
	// invariant violation. With Checks set, every run records its trace,
	// which costs time.
	Checks []TraceCheck[T]
}

// ActionKinds lists the kinds of action in the order the simulator offers
// them to a Chooser.
func ActionKinds() []graph.ActionKind { return append([]graph.ActionKind(nil), kindOrder[:]...) }

// ErrOptions is wrapped by every error about Options.
var ErrOptions = errors.New("invalid simulation options")

// Validate reports the first problem with o.
func (o *Options[I, K, N, M, D, E, T]) Validate() error {
	if o.Model == nil {
		return fmt.Errorf("%w: no model", ErrOptions)
	}
	if err := o.Model.Validate(); err != nil {
		return err
	}
	if o.MaxSteps < 1 {
		return fmt.Errorf("%w: max steps %d, need at least 1", ErrOptions, o.MaxSteps)
	}
	total := 0
	for _, k := range kindOrder {
		w := o.Weights.of(k)
		if w < 0 {
			return fmt.Errorf("%w: negative weight %d for %s", ErrOptions, w, k)
		}
		total += w
	}
	if total == 0 {
		return fmt.Errorf("%w: every action weight is 0", ErrOptions)
	}
	return nil
}

// Sim runs simulations under fixed options. It is safe for concurrent use:
// each run has its own state.
type Sim[I, K ~uint8, N any, M graph.Message[M], D, E, T any] struct {
	opts Options[I, K, N, M, D, E, T]
	// full is State.Learned once every learner learned.
	full uint64
}

// New returns a simulator, or the first problem with o. It keeps a copy of
// the model (Model.Copy), with the fault budgets on (Unbounded false): a
// simulation keeps within them.
func New[I, K ~uint8, N any, M graph.Message[M], D, E, T any](o Options[I, K, N, M, D, E, T]) (*Sim[I, K, N, M, D, E, T], error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.Model = o.Model.Copy()
	o.Model.GraphOptions().Unbounded = false
	return &Sim[I, K, N, M, D, E, T]{opts: o, full: o.Model.AllLearned()}, nil
}

// Options returns the options of s, with a copy of its model: changing it
// does not change s.
func (s *Sim[I, K, N, M, D, E, T]) Options() Options[I, K, N, M, D, E, T] {
	o := s.opts
	o.Model = o.Model.Copy()
	return o
}

// Result is one run: its schedule, what it achieved and the first violation.
type Result[I, K ~uint8, N any, M graph.Message[M], D, E, T any] struct {
	// Seed is the seed of a seeded run (Run); 0 for other choosers.
	Seed uint64
	// Actions is the schedule, one action per step; replaying it from the
	// initial state reproduces the run.
	Actions []graph.Action[I, K, M]
	// Violation is the first invariant or trace check that failed, or nil.
	Violation *graph.Violation
	// Chosen reports that a value was chosen (a majority of acceptors sent
	// 2b for one ballot) at some point: the "sometimes" fact that makes a
	// passing run set non-vacuous.
	Chosen bool
	// AllLearned reports that every learner learned a value.
	AllLearned bool
	// AllReturned reports that every client got its reply.
	AllReturned bool

	model Model[I, K, N, M, D, E, T]
	trace *T
}

// Steps is the length of the run.
func (r *Result[I, K, N, M, D, E, T]) Steps() int { return len(r.Actions) }

// Trace returns the run as a trace (source "simulate", with its seed and
// violation in the header). Runs record only their actions, which is
// cheap; the trace is rebuilt here by replaying them (Model.Record).
func (r *Result[I, K, N, M, D, E, T]) Trace() (T, error) {
	if r.trace != nil {
		return *r.trace, nil
	}
	seed := r.Seed
	tr, err := r.model.Record(r.Actions, "simulate", &seed, r.Violation)
	if err != nil {
		return tr, fmt.Errorf("replaying a run of %d steps: %w", len(r.Actions), err)
	}
	return tr, nil
}

// Run performs the run of seed: choices come from a PCG generator seeded
// with it. The same seed and options always give the same run.
func (s *Sim[I, K, N, M, D, E, T]) Run(seed uint64) *Result[I, K, N, M, D, E, T] {
	r := s.RunWith(NewRandChooser(seed))
	r.Seed = seed
	return r
}

// RunWith performs one run whose choices come from ch.
func (s *Sim[I, K, N, M, D, E, T]) RunWith(ch Chooser) *Result[I, K, N, M, D, E, T] {
	m := s.opts.Model
	st, err := graph.Init(m)
	if err != nil {
		// New validated the setup; Init cannot fail on it.
		panic(fmt.Sprintf("sim: init of a validated setup: %v", err))
	}
	r := &Result[I, K, N, M, D, E, T]{model: m}
	check := m.NewChecker()
	if v := check.Check(&st, 0); v != nil {
		r.Violation = v
		return r
	}
	var buf []graph.Action[I, K, M]
	for step := 1; step <= s.opts.MaxSteps; step++ {
		buf = graph.Actions(m, &st, buf[:0])
		a, ok := s.pick(buf, ch)
		if !ok {
			break
		}
		if _, err := graph.Apply(m, &st, a); err != nil {
			// Actions listed a, so Apply must take it: a bug in graph.
			panic(fmt.Sprintf("sim: enabled action %s failed: %v", a, err))
		}
		r.Actions = append(r.Actions, a)
		v := check.Check(&st, step)
		r.observe(&st, s.full, check)
		if v != nil {
			r.Violation = v
			return r
		}
	}
	if len(s.opts.Checks) > 0 {
		tr, err := r.Trace()
		if err != nil {
			panic(fmt.Sprintf("sim: recording a run: %v", err))
		}
		r.trace = &tr
		for _, c := range s.opts.Checks {
			if err := c.Check(&tr); err != nil {
				r.Violation = &graph.Violation{Invariant: c.Name, Step: len(r.Actions), Detail: err.Error()}
				m.Annotate(r.trace, r.Violation)
				break
			}
		}
	}
	return r
}

// pick chooses the next action: a kind by weight among the kinds with an
// enabled action, then an action of that kind. ok=false when no action of
// positive weight is enabled (the run is over).
func (s *Sim[I, K, N, M, D, E, T]) pick(acts []graph.Action[I, K, M], ch Chooser) (graph.Action[I, K, M], bool) {
	var count [len(kindOrder)]int
	total := 0
	for i, k := range kindOrder {
		for _, a := range acts {
			if a.Kind == k {
				count[i]++
			}
		}
		if count[i] > 0 {
			total += s.opts.Weights.of(k)
		}
	}
	if total == 0 {
		return graph.Action[I, K, M]{}, false
	}
	x := ch.Choose(total, "kind")
	for i, k := range kindOrder {
		if count[i] == 0 {
			continue
		}
		w := s.opts.Weights.of(k)
		if x >= w {
			x -= w
			continue
		}
		j := 0
		if count[i] > 1 {
			j = ch.Choose(count[i], k.String())
		}
		for _, a := range acts {
			if a.Kind == k {
				if j == 0 {
					return a, true
				}
				j--
			}
		}
	}
	panic("sim: weighted choice out of range")
}

// observe updates the "sometimes" facts after a step, from the state the
// invariant checker has just checked.
func (r *Result[I, K, N, M, D, E, T]) observe(st *graph.State[I, N, M, D], full uint64, check graph.Checker[I, N, M, D]) {
	if !r.Chosen && check.AnyChosen() {
		r.Chosen = true
	}
	if st.Learned&full == full {
		r.AllLearned = true
	}
	if n := r.model.NumClients(); n > 0 && st.Returned == graph.FirstClients(n) {
		r.AllReturned = true
	}
}
