package sim

import (
	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// Replay applies actions from the initial state, skipping every action
// that is not enabled when its turn comes (a shrunk schedule may have lost
// the step that sent a message), and stops at the first invariant
// violation. It returns the actions actually applied, as a Result.
func (s *Sim[I, K, N, M, D, E, T]) Replay(actions []graph.Action[I, K, M]) *Result[I, K, N, M, D, E, T] {
	m := s.opts.Model
	st, err := graph.Init(m)
	if err != nil {
		panic("sim: init of a validated setup: " + err.Error())
	}
	r := &Result[I, K, N, M, D, E, T]{model: m}
	check := m.NewChecker()
	if v := check.Check(&st, 0); v != nil {
		r.Violation = v
		return r
	}
	for _, a := range actions {
		if !graph.Offered(m, &st, a) {
			continue
		}
		if _, err := graph.Apply(m, &st, a); err != nil {
			panic("sim: enabled action " + a.String() + " failed: " + err.Error())
		}
		r.Actions = append(r.Actions, a)
		v := check.Check(&st, len(r.Actions))
		r.observe(&st, s.full, check)
		if v != nil {
			r.Violation = v
			return r
		}
	}
	return r
}

// Shrink reduces the failing run r to a short schedule that violates the
// same invariant, by delta debugging (Zeller and Hildebrandt, "Simplifying
// and Isolating Failure-Inducing Input", 2002): remove chunks of the
// schedule, halving the chunk size when no removal keeps the failure, and
// keep a removal whenever the replay (Replay, which skips actions that
// are no longer enabled) still breaks the same invariant. The result is
// 1-minimal: removing any single action loses the failure. It is
// deterministic, and its Violation is the one its schedule replays to.
//
// A failure found by a trace check (Options.Checks, Porcupine's say) is
// shrunk the same way, the check re-run on the trace of every candidate
// that breaks no invariant.
//
// rapid's shrinker cannot start from a given failing example (rapid only
// shrinks failures it generated itself), so seeded runs are shrunk here;
// the tests' RapidCheck finds and shrinks failures with rapid directly.
func (s *Sim[I, K, N, M, D, E, T]) Shrink(r *Result[I, K, N, M, D, E, T]) *Result[I, K, N, M, D, E, T] {
	if r.Violation == nil {
		return r
	}
	want := r.Violation.Invariant
	var check *TraceCheck[T]
	for i := range s.opts.Checks {
		if s.opts.Checks[i].Name == want {
			check = &s.opts.Checks[i]
		}
	}
	replay := func(cand []graph.Action[I, K, M]) *Result[I, K, N, M, D, E, T] {
		c := s.Replay(cand)
		if c.Violation == nil && check != nil {
			c.Violation = s.traceCheck(c, check)
		}
		return c
	}
	best := replay(r.Actions)
	if best.Violation == nil || best.Violation.Invariant != want {
		return r
	}
	fails := func(cand []graph.Action[I, K, M]) *Result[I, K, N, M, D, E, T] {
		c := replay(cand)
		if c.Violation != nil && c.Violation.Invariant == want {
			return c
		}
		return nil
	}
	if check != nil {
		// An invariant's replay stops at its first violation, so its
		// prefix is already the shortest; a trace check's failure is
		// only seen at the end. Cut the schedule to the shortest
		// failing prefix first (bisection: a history that is not
		// linearizable stays so as it grows, but any prefix kept is
		// re-checked), so that delta debugging starts short.
		lo, hi := 0, len(best.Actions)
		for lo+1 < hi {
			mid := (lo + hi) / 2
			if c := fails(best.Actions[:mid]); c != nil {
				best, hi = c, len(c.Actions)
			} else {
				lo = mid
			}
		}
	}
	n := 2
	for len(best.Actions) >= 2 {
		acts := best.Actions
		chunk := (len(acts) + n - 1) / n
		reduced := false
		for start := 0; start < len(acts); start += chunk {
			end := min(start+chunk, len(acts))
			cand := make([]graph.Action[I, K, M], 0, len(acts)-(end-start))
			cand = append(cand, acts[:start]...)
			cand = append(cand, acts[end:]...)
			if c := fails(cand); c != nil {
				best = c
				reduced = true
				break
			}
		}
		if reduced {
			n = max(n-1, 2)
			continue
		}
		if chunk == 1 {
			break
		}
		n = min(2*n, len(acts))
	}
	best.Seed = r.Seed
	return best
}

// traceCheck runs c on the trace of r (which broke no invariant) and
// returns its failure as a violation at r's last step, or nil.
func (s *Sim[I, K, N, M, D, E, T]) traceCheck(r *Result[I, K, N, M, D, E, T], c *TraceCheck[T]) *graph.Violation {
	tr, err := r.Trace()
	if err != nil {
		panic("sim: recording a replayed run: " + err.Error())
	}
	if err := c.Check(&tr); err != nil {
		v := &graph.Violation{Invariant: c.Name, Step: len(r.Actions), Detail: err.Error()}
		return v
	}
	return nil
}
