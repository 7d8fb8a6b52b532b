package explore

import (
	"fmt"

	"github.com/paxoscheck/paxoscheck/checker/invariant"
	"github.com/paxoscheck/paxoscheck/checker/world"
	"github.com/paxoscheck/paxoscheck/traces"
)

// Trace replays r.Path through a world.Recorder and returns it as a trace
// (source "explore") whose header names the violation: the invariant and
// the step after which it first fails, or "Deadlock" for an error deadlock.
// It fails when the path does not replay or does not end in r's verdict.
func Trace(setup world.Setup, r *Result) (traces.Trace, error) {
	rec, err := world.NewRecorder(&setup)
	if err != nil {
		return traces.Trace{}, err
	}
	for i, a := range r.Path {
		if _, err := rec.Apply(a); err != nil {
			return traces.Trace{}, fmt.Errorf("explore: counterexample step %d (%s): %w", i+1, a, err)
		}
	}
	t := rec.Trace("explore")
	switch {
	case r.Violation != nil:
		v := invariant.CheckWorld(&setup, &rec.State, len(r.Path))
		if v == nil || v.Invariant != r.Violation.Invariant {
			return t, fmt.Errorf("explore: the counterexample does not end in a %s violation", r.Violation.Invariant)
		}
		t.Header.Violation = &traces.Violation{Invariant: v.Invariant, Step: len(r.Path), Detail: v.Detail}
	case r.Deadlock != nil:
		t.Header.Violation = &traces.Violation{Invariant: "Deadlock", Step: len(r.Path),
			Detail: fmt.Sprintf("no action is enabled while clients %b wait", r.Deadlock.Waiting)}
	}
	return t, nil
}

// Replay applies every step of t (through world.ActionOf and
// world.State.Apply, with the trace's own setup: no bounds) and checks every
// invariant after each; it returns the first violation, or nil.
func Replay(t *traces.Trace) (*invariant.Violation, error) {
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
