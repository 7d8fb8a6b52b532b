package paxosexplore

import (
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// Trace replays r.Path through a world.Recorder and returns it as a trace
// (source "explore") whose header names the violation: the invariant and
// the step after which it first fails, or "Deadlock" for an error deadlock.
// It fails when the path does not replay or does not end in r's verdict.
//
// A path of the set network (world.Setup.SetNetwork) is first turned into a
// multiset path by world.ToMultiset (a Duplicate step before each delivery
// of a message that is delivered again later) and recorded in the standard
// multiset world without budgets, the world a replay of the trace uses; the
// trace is then longer than r.Path by those Duplicate steps.
func Trace(setup world.Setup, r *Result) (paxostrace.Trace, error) {
	path := r.Path
	if setup.SetNetwork {
		path = world.ToMultiset(path)
		setup.SetNetwork, setup.Unbounded, setup.Budget = false, true, world.Budget{}
	}
	rec, err := world.NewRecorder(&setup)
	if err != nil {
		return paxostrace.Trace{}, err
	}
	for i, a := range path {
		if _, err := rec.Apply(a); err != nil {
			return paxostrace.Trace{}, fmt.Errorf("explore: counterexample step %d (%s): %w", i+1, a, err)
		}
	}
	t := rec.Trace("explore")
	switch {
	case r.Violation != nil:
		// The invariant the search found broken (it may have checked
		// only some: --invariants) must be broken at the end of the trace.
		only, err := invariant.Select([]string{r.Violation.Invariant})
		if err != nil {
			return t, fmt.Errorf("explore: %w", err)
		}
		v := (&invariant.Checker{Only: only}).CheckWorld(&setup, &rec.State, len(path))
		if v == nil {
			return t, fmt.Errorf("explore: the counterexample does not end in a %s violation", r.Violation.Invariant)
		}
		t.Header.Violation = &paxostrace.Violation{Invariant: v.Invariant, Step: len(path), Detail: v.Detail}
	case r.Deadlock != nil:
		detail := fmt.Sprintf("no action is enabled while clients %b wait", r.Deadlock.Waiting)
		if r.SetNetwork {
			detail = fmt.Sprintf("no action changes the state while clients %b wait", r.Deadlock.Waiting)
		}
		t.Header.Violation = &paxostrace.Violation{Invariant: "Deadlock", Step: len(path), Detail: detail}
	}
	return t, nil
}

// Replay applies every step of t (through world.ActionOf and
// world.State.Apply, with the trace's own setup: no bounds) and checks every
// invariant after each; it returns the first violation, or nil.
func Replay(t *paxostrace.Trace) (*invariant.Violation, error) {
	setup, err := world.SetupFromHeader(&t.Header)
	if err != nil {
		return nil, err
	}
	st, err := world.Init(&setup)
	if err != nil {
		return nil, err
	}
	if v := invariant.CheckWorld(&setup, &st, 0); v != nil {
		return v, nil
	}
	for i := range t.Steps {
		a, err := world.ActionOf(&t.Steps[i])
		if err != nil {
			return nil, err
		}
		if _, err := st.Apply(&setup, a); err != nil {
			return nil, fmt.Errorf("step %d: %w", t.Steps[i].Step, err)
		}
		if v := invariant.CheckWorld(&setup, &st, t.Steps[i].Step); v != nil {
			return v, nil
		}
	}
	return nil, nil
}
