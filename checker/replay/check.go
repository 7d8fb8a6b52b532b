package replay

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/internal/english"
	"github.com/paxoscheck/paxoscheck/traces"
)

// Kind is the overall verdict on a trace.
type Kind string

// The verdicts. Only OK is a pass: Unknown (Porcupine ran out of time) is
// not.
const (
	OK        Kind = "ok"
	Violation Kind = "violation"  // an invariant fails, or the history is not linearizable
	Divergent Kind = "divergence" // the trace is not what the code does
	Unknown   Kind = "unknown"    // the linearizability check timed out
	BadInput  Kind = "bad-input"  // the trace could not be read or set up (set by callers)
)

// LinearizabilityCheck is the name under which a trace header's violation
// may claim that the client history is not linearizable, as if it were an
// invariant.
const LinearizabilityCheck = "Linearizability"

// Linearizability is the part of a verdict about the client history.
type Linearizability struct {
	Verdict    linearize.Verdict `json:"verdict"`
	Ops        int               `json:"ops"`
	PendingOps int               `json:"pending_ops"`
	Detail     string            `json:"detail,omitempty"`
}

// String words l for a reader: what was checked and the verdict. A
// history in which no operation was answered has nothing to check, and
// says so rather than "ok".
func (l *Linearizability) String() string {
	switch {
	case l.Ops == 1 && l.PendingOps == 1:
		return "not checked: the one client operation was not answered"
	case l.Ops == l.PendingOps:
		return fmt.Sprintf("not checked: none of the %s was answered", english.Count(l.Ops, "client operation"))
	}
	pending := ""
	if l.PendingOps > 0 {
		pending = fmt.Sprintf(", %d pending", l.PendingOps)
	}
	return fmt.Sprintf("%s (%s%s)", l.Verdict, english.Count(l.Ops, "operation"), pending)
}

// Verdict is everything Check found about one trace, ready for --json.
type Verdict struct {
	File  string `json:"file,omitempty"`
	Kind  Kind   `json:"verdict"`
	Steps int    `json:"steps"`
	// Replayed counts the steps replayed before the end or the
	// divergence.
	Replayed   int         `json:"replayed"`
	Divergence *Divergence `json:"divergence,omitempty"`
	// Violation is the first invariant that failed, and after which step
	// (0 is the initial state).
	Violation *traces.Violation `json:"violation,omitempty"`
	// Broken lists the first breach of every invariant violated at some
	// step, in order; Violation is its first entry.
	Broken          []traces.Violation `json:"broken,omitempty"`
	Linearizability *Linearizability   `json:"linearizability,omitempty"`
	// Claimed is the violation the trace's header says it shows, and
	// ClaimConfirmed whether the check found that invariant broken at some
	// step (not necessarily first: a counterexample may be named after
	// Agreement although a structural invariant broke before it).
	Claimed        *traces.Violation `json:"claimed,omitempty"`
	ClaimConfirmed *bool             `json:"claim_confirmed,omitempty"`
	// Error is a bad input's reason (Kind BadInput), and Line the line of
	// the file it is on (0 if none).
	Error string `json:"error,omitempty"`
	Line  int    `json:"line,omitempty"`

	lin *linearize.Result
}

// ErrClaim is wrapped by Check's error for a header whose violation names
// no invariant of the protocol: bad input, not an unconfirmed claim.
var ErrClaim = errors.New("trace header claims an unknown invariant")

// Options tune Check.
type Options struct {
	// Timeout bounds the linearizability check (linearize.Check).
	Timeout time.Duration
}

// History is how Check reads a trace's client history and checks it: the
// protocol's (for single-decree Paxos, paxosmodel.FromTrace and
// paxosmodel.Linearizable).
type History struct {
	// Ops reads the operations of the trace (an error wrapping
	// linearize.ErrHistory when they do not make a history).
	Ops func() ([]porcupine.Operation, error)
	// Check decides whether ops are linearizable within timeout.
	Check func(ops []porcupine.Operation, timeout time.Duration) linearize.Result
}

// Check replays steps against the code of p, checks every invariant after
// every step and the client history for linearizability, and returns the
// verdict; claimed is the violation the trace's header names (nil: none).
// Its Kind is, by priority: Divergent if any step disagrees with the code
// (a violation at an earlier step is still reported); else Violation if an
// invariant fails or the history is not linearizable; else Unknown if
// Porcupine timed out; else OK. An error (wrapping ErrSetup or
// linearize.ErrHistory) means the trace cannot be checked at all.
func Check[I, K ~uint8, N any, M graph.Message[M], D, E, S any](p Protocol[I, K, N, M, D, E, S], steps []S, claimed *traces.Violation, h History, opt Options) (Verdict, error) {
	v := Verdict{Steps: len(steps), Claimed: claimed}
	r, err := New(p)
	if err != nil {
		return v, err
	}
	if claimed != nil && claimed.Invariant != LinearizabilityCheck {
		var names []string
		known := false
		p.EachInvariant(&r.State, func(name string, _ error) {
			names = append(names, name)
			known = known || name == claimed.Invariant
		})
		if !known {
			return v, fmt.Errorf("%w: the header claims a violation of %q, which is no invariant of this protocol (its invariants: %s; or %s)",
				ErrClaim, claimed.Invariant, strings.Join(names, ", "), LinearizabilityCheck)
		}
	}
	tr := Tracker[I, K, N, M, D, E, S]{P: p}
	tr.Observe(&r.State, 0)
	for i := range steps {
		s := &steps[i]
		if _, err := r.Step(s); err != nil {
			var d *Divergence
			if !errors.As(err, &d) {
				return v, err
			}
			v.Divergence = d
			break
		}
		v.Replayed++
		tr.Observe(&r.State, p.ReadStep(s).Number)
	}
	v.Broken = tr.Broken
	if len(tr.Broken) > 0 {
		v.Violation = &tr.Broken[0]
	}
	// The history is read from the trace after the replay, so that a
	// trace whose replies the code would not give is reported as the
	// divergence it is rather than as an unreadable history.
	ops, err := h.Ops()
	if err != nil && v.Divergence == nil {
		return v, err
	}
	lr := h.Check(ops, opt.Timeout)
	v.lin = &lr
	v.Linearizability = &Linearizability{Verdict: lr.Verdict, Ops: lr.Ops, PendingOps: lr.PendingOps, Detail: lr.Detail}

	switch {
	case v.Divergence != nil:
		v.Kind = Divergent
	case v.Violation != nil || lr.Verdict == linearize.Illegal:
		v.Kind = Violation
	case lr.Verdict == linearize.Unknown:
		v.Kind = Unknown
	default:
		v.Kind = OK
	}
	if c := v.Claimed; c != nil {
		ok := tr.First(c.Invariant) != nil
		if c.Invariant == LinearizabilityCheck {
			ok = lr.Verdict == linearize.Illegal
		}
		v.ClaimConfirmed = &ok
	}
	return v, nil
}

// WriteHTML writes Porcupine's view of the trace's client history to path.
func (v *Verdict) WriteHTML(path string) error {
	if v.lin == nil {
		return fmt.Errorf("replay: no linearizability result to visualize")
	}
	return v.lin.WriteHTML(path)
}

// Summary is a one-line human reading of v.
func (v *Verdict) Summary() string {
	switch v.Kind {
	case Divergent:
		return "DIVERGENCE at " + v.Divergence.Error()
	case Violation:
		if v.Violation != nil {
			return v.Violation.Line()
		}
		return "VIOLATION: " + english.Violation(LinearizabilityCheck, v.Steps, v.Linearizability.Detail)
	case Unknown:
		return "UNKNOWN: linearizability not decided: " + v.Linearizability.Detail
	case BadInput:
		return "BAD INPUT: " + v.Error
	}
	l := v.Linearizability
	if l.Ops == l.PendingOps {
		return fmt.Sprintf("ok: %s replayed, every invariant holds after every step; linearizability %s",
			english.Count(v.Replayed, "step"), l)
	}
	pending := ""
	if l.PendingOps > 0 {
		pending = fmt.Sprintf(", %d pending", l.PendingOps)
	}
	return fmt.Sprintf("ok: %s replayed, every invariant holds after every step, %s%s linearizable",
		english.Count(v.Replayed, "step"), english.Count(l.Ops, "client operation"), pending)
}
