package linearize

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/anishathalye/porcupine"
)

// Model is a protocol's sequential specification for Porcupine (its
// clients' view of the system), with what the checker needs besides: which
// operations never returned (Pending), and, for an illegal history, a
// sentence that says why (Explain; nil: none).
type Model struct {
	porcupine.Model
	Pending func(op porcupine.Operation) bool
	Explain func(history []porcupine.Operation) string
}

// ErrHistory is wrapped by errors about a client history that cannot be
// checked at all (a reply without a request, time going backwards).
var ErrHistory = errors.New("malformed client history")

// Return is the return time of a pending operation: it may take effect at
// any time after its call, or never.
const Return = int64(math.MaxInt64)

// Verdict is the outcome of a linearizability check.
type Verdict string

// The three verdicts. Unknown is a timeout: it is not a pass.
const (
	Ok      Verdict = "ok"
	Illegal Verdict = "illegal"
	Unknown Verdict = "unknown"
)

// DefaultTimeout bounds a check when the caller gives no timeout.
const DefaultTimeout = 10 * time.Second

// Result is the outcome of Check, with what the visualization needs.
type Result struct {
	Verdict Verdict
	// Ops and PendingOps count the operations checked and those of them
	// never answered.
	Ops, PendingOps int
	// Detail explains an Illegal verdict in one line.
	Detail string

	model   *Model
	history []porcupine.Operation
	info    porcupine.LinearizationInfo
}

// Check decides whether history is linearizable under Model, giving up
// after timeout (DefaultTimeout when timeout <= 0: a check always has a
// bound). A timeout yields Unknown.
func Check(m *Model, history []porcupine.Operation, timeout time.Duration) Result {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	res, info := porcupine.CheckOperationsVerbose(m.Model, history, timeout)
	r := Result{Ops: len(history), model: m, history: history, info: info}
	for _, op := range history {
		if m.Pending != nil && m.Pending(op) {
			r.PendingOps++
		}
	}
	switch res {
	case porcupine.Ok:
		r.Verdict = Ok
	case porcupine.Illegal:
		r.Verdict = Illegal
		if m.Explain != nil {
			r.Detail = m.Explain(history)
		}
	default:
		r.Verdict = Unknown
		r.Detail = fmt.Sprintf("Porcupine gave no answer within %s", timeout)
	}
	return r
}

// WriteHTML writes Porcupine's visualization of the checked history (and,
// when it is Illegal, of its longest linearizable prefixes) to path.
func (r *Result) WriteHTML(path string) error {
	if err := porcupine.VisualizePath(r.model.Model, r.info, path); err != nil {
		return fmt.Errorf("linearize: writing %s: %w", path, err)
	}
	return nil
}

// ErrNotLinearizable is returned by CheckTrace for an Illegal history, and
// ErrUnknown for a check that gave no answer in time (never a pass).
var (
	ErrNotLinearizable = errors.New("history is not linearizable")
	ErrUnknown         = errors.New("linearizability unknown")
)

// CheckOps checks history against m: nil when it is linearizable, an
// error wrapping ErrNotLinearizable or ErrUnknown otherwise (never nil for
// a check that gave no answer). A protocol's trace check for the
// simulator (sim.TraceCheck) extracts the history and calls it.
func CheckOps(m *Model, history []porcupine.Operation, timeout time.Duration) error {
	r := Check(m, history, timeout)
	switch r.Verdict {
	case Ok:
		return nil
	case Illegal:
		// The detail alone: it becomes a violation's detail, worded as
		// check words it ("no order of ... explains every reply").
		return &illegal{r.Detail}
	}
	return fmt.Errorf("%w: %s", ErrUnknown, r.Detail)
}

// illegal is CheckOps's error for an Illegal history: its detail, and
// ErrNotLinearizable to errors.Is.
type illegal struct{ detail string }

func (e *illegal) Error() string { return e.detail }
func (e *illegal) Unwrap() error { return ErrNotLinearizable }
