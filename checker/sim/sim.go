package sim

import (
	"errors"
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/invariant"
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/traces"
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
var kindOrder = [...]world.ActionKind{world.ActDeliver, world.ActInvoke, world.ActTimeout,
	world.ActDrop, world.ActDuplicate, world.ActCrash, world.ActCrashMidStep, world.ActRestart}

func (w *Weights) of(k world.ActionKind) int {
	switch k {
	case world.ActDeliver:
		return w.Deliver
	case world.ActInvoke:
		return w.Invoke
	case world.ActTimeout:
		return w.Timeout
	case world.ActDrop:
		return w.Drop
	case world.ActDuplicate:
		return w.Duplicate
	case world.ActCrash:
		return w.Crash
	case world.ActCrashMidStep:
		return w.CrashMidStep
	case world.ActRestart:
		return w.Restart
	}
	return 0
}

// TraceCheck is a check run on the trace of every run that broke no
// invariant: the extension point for checks that need a whole history, such
// as linearizability (checker/linearize, issue 5 item 6). Check returns nil
// when the trace passes; an error is reported as a violation named Name at
// the last step. A check that cannot decide (a Porcupine timeout) must
// return an error, never nil: unknown is not a pass.
type TraceCheck struct {
	Name  string
	Check func(tr *traces.Trace) error
}

// Options configure a simulator.
type Options struct {
	// Setup is the cluster, its clients, fault budgets (Setup.Budget),
	// MaxRound and MidStepCrash.
	Setup world.Setup
	// Weights of the action kinds.
	Weights Weights
	// MaxSteps bounds the length of a run; a run also ends when no action
	// is enabled.
	MaxSteps int
	// Checks run on the trace of each run after it ends without an
	// invariant violation. With Checks set, every run records its trace,
	// which costs time.
	Checks []TraceCheck
}

// DefaultOptions is the default cluster of issue 2 (world.DefaultSetup)
// with every fault on: drops, duplicates, crashes (also in the middle of a
// step) and restarts.
func DefaultOptions() Options {
	s := world.DefaultSetup()
	s.Budget = world.Budget{Drops: 3, Dups: 3, Crashes: 2}
	s.MaxRound = 4
	s.MidStepCrash = true
	return Options{Setup: s, Weights: DefaultWeights(), MaxSteps: 150}
}

// ErrOptions is wrapped by every error about Options.
var ErrOptions = errors.New("invalid simulation options")

// Validate reports the first problem with o.
func (o *Options) Validate() error {
	if err := o.Setup.Validate(); err != nil {
		return err
	}
	if n := len(o.Setup.Config.Learners); n > 64 {
		return fmt.Errorf("%w: %d learners, at most 64 supported", ErrOptions, n)
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
type Sim struct {
	opts Options
	// full is the mask of every learner, for Result.AllLearned.
	full uint64
}

// New returns a simulator, or the first problem with o.
func New(o Options) (*Sim, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.Setup.Unbounded = false
	return &Sim{opts: o, full: 1<<len(o.Setup.Config.Learners) - 1}, nil
}

// Options returns the options of s.
func (s *Sim) Options() Options { return s.opts }

// Result is one run: its schedule, what it achieved and the first violation.
type Result struct {
	// Seed is the seed of a seeded run (Run); 0 for other choosers.
	Seed uint64
	// Actions is the schedule, one action per step; replaying it from the
	// initial state reproduces the run.
	Actions []world.Action
	// Violation is the first invariant or trace check that failed, or nil.
	Violation *invariant.Violation
	// Chosen reports that a value was chosen (a majority of acceptors sent
	// 2b for one ballot) at some point: the "sometimes" fact that makes a
	// passing run set non-vacuous.
	Chosen bool
	// AllLearned reports that every learner learned a value.
	AllLearned bool
	// AllReturned reports that every client got its reply.
	AllReturned bool

	setup *world.Setup
	trace *traces.Trace
}

// Steps is the length of the run.
func (r *Result) Steps() int { return len(r.Actions) }

// Trace returns the run as a trace (source "simulate", with its seed and
// violation in the header). Runs record only their actions, which is
// cheap; the trace is rebuilt here by replaying them.
func (r *Result) Trace() (traces.Trace, error) {
	if r.trace != nil {
		return *r.trace, nil
	}
	tr, err := record(r.setup, r.Actions)
	if err != nil {
		return tr, err
	}
	r.decorate(&tr, "simulate")
	return tr, nil
}

func (r *Result) decorate(tr *traces.Trace, source string) {
	tr.Header.Source = source
	if source == "simulate" {
		seed := r.Seed
		tr.Header.Seed = &seed
	}
	if v := r.Violation; v != nil {
		tr.Header.Violation = &traces.Violation{Invariant: v.Invariant, Step: v.Step, Detail: v.Detail}
	}
}

// record replays actions through a world.Recorder.
func record(s *world.Setup, actions []world.Action) (traces.Trace, error) {
	rec, err := world.NewRecorder(s)
	if err != nil {
		return traces.Trace{}, err
	}
	for i, a := range actions {
		if _, err := rec.Apply(a); err != nil {
			return traces.Trace{}, fmt.Errorf("replaying step %d (%s): %w", i+1, a, err)
		}
	}
	return rec.Trace("simulate"), nil
}

// Run performs the run of seed: choices come from a PCG generator seeded
// with it. The same seed and options always give the same run.
func (s *Sim) Run(seed uint64) *Result {
	r := s.RunWith(NewRandChooser(seed))
	r.Seed = seed
	return r
}

// RunWith performs one run whose choices come from ch.
func (s *Sim) RunWith(ch Chooser) *Result {
	setup := &s.opts.Setup
	st, err := world.Init(setup)
	if err != nil {
		// New validated the setup; Init cannot fail on it.
		panic(fmt.Sprintf("sim: init of a validated setup: %v", err))
	}
	r := &Result{setup: setup}
	var check invariant.Checker
	if v := check.CheckWorld(setup, &st, 0); v != nil {
		r.Violation = v
		return r
	}
	var buf []world.Action
	for step := 1; step <= s.opts.MaxSteps; step++ {
		buf = st.Actions(setup, buf[:0])
		a, ok := s.pick(buf, ch)
		if !ok {
			break
		}
		if _, err := st.Apply(setup, a); err != nil {
			// Actions listed a, so Apply must take it: a bug in world.
			panic(fmt.Sprintf("sim: enabled action %s failed: %v", a, err))
		}
		r.Actions = append(r.Actions, a)
		v := check.CheckWorld(setup, &st, step)
		r.observe(&st, s.full, &check)
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
				r.Violation = &invariant.Violation{Invariant: c.Name, Step: len(r.Actions), Detail: err.Error()}
				tr.Header.Violation = &traces.Violation{Invariant: c.Name, Step: len(r.Actions), Detail: err.Error()}
				break
			}
		}
	}
	return r
}

// pick chooses the next action: a kind by weight among the kinds with an
// enabled action, then an action of that kind. ok=false when no action of
// positive weight is enabled (the run is over).
func (s *Sim) pick(acts []world.Action, ch Chooser) (world.Action, bool) {
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
		return world.Action{}, false
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
func (r *Result) observe(st *world.State, full uint64, check *invariant.Checker) {
	if !r.Chosen && check.AnyChosen() {
		r.Chosen = true
	}
	if st.Learned&full == full {
		r.AllLearned = true
	}
	if n := len(r.setup.Clients); n > 0 && st.Returned == 1<<n-1 {
		r.AllReturned = true
	}
}
