package linearize

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces"
)

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

	history []porcupine.Operation
	info    porcupine.LinearizationInfo
}

// Check decides whether history is linearizable under Model, giving up
// after timeout (DefaultTimeout when timeout <= 0: a check always has a
// bound). A timeout yields Unknown.
func Check(history []porcupine.Operation, timeout time.Duration) Result {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	res, info := porcupine.CheckOperationsVerbose(Model, history, timeout)
	r := Result{Ops: len(history), history: history, info: info}
	for _, op := range history {
		if op.Output.(Output).Pending {
			r.PendingOps++
		}
	}
	switch res {
	case porcupine.Ok:
		r.Verdict = Ok
	case porcupine.Illegal:
		r.Verdict = Illegal
		r.Detail = explain(history)
	default:
		r.Verdict = Unknown
		r.Detail = fmt.Sprintf("Porcupine gave no answer within %s", timeout)
	}
	return r
}

// WriteHTML writes Porcupine's visualization of the checked history (and,
// when it is Illegal, of its longest linearizable prefixes) to path.
func (r *Result) WriteHTML(path string) error {
	if err := porcupine.VisualizePath(Model, r.info, path); err != nil {
		return fmt.Errorf("linearize: writing %s: %w", path, err)
	}
	return nil
}

// explain names the most evident reason a history is not linearizable, for
// humans; Porcupine's verdict is the authority.
func explain(history []porcupine.Operation) string {
	told := map[paxos.Value][]int{}
	var vals []paxos.Value
	proposed := map[paxos.Value]int64{} // value -> earliest call
	for _, op := range history {
		in := op.Input.(Input)
		if c, ok := proposed[in.Value]; !ok || op.Call < c {
			proposed[in.Value] = op.Call
		}
	}
	for _, op := range history {
		o := op.Output.(Output)
		if o.Pending {
			continue
		}
		if _, ok := told[o.Value]; !ok {
			vals = append(vals, o.Value)
		}
		told[o.Value] = append(told[o.Value], op.ClientId)
	}
	slices.Sort(vals)
	if len(vals) > 1 {
		var parts []string
		for _, v := range vals {
			parts = append(parts, fmt.Sprintf("%q to clients %v", v, told[v]))
		}
		return "clients were told different values: " + strings.Join(parts, ", ")
	}
	for _, op := range history {
		o := op.Output.(Output)
		if o.Pending {
			continue
		}
		c, ok := proposed[o.Value]
		switch {
		case !ok:
			return fmt.Sprintf("client %d was told %q, which no client proposed", op.ClientId, o.Value)
		case c > op.Return:
			return fmt.Sprintf("client %d was told %q at time %d, before any client proposed it (time %d)", op.ClientId, o.Value, op.Return, c)
		}
	}
	return "no order of the operations explains the replies"
}

// ErrNotLinearizable is returned by CheckTrace for an Illegal history, and
// ErrUnknown for a check that gave no answer in time (never a pass).
var (
	ErrNotLinearizable = errors.New("history is not linearizable")
	ErrUnknown         = errors.New("linearizability unknown")
)

// CheckTrace extracts the client history of t and checks it: nil when it
// is linearizable, an error wrapping ErrNotLinearizable or ErrUnknown
// otherwise. It has the shape of checker/sim.TraceCheck.Check, so the
// simulator can check every run with Porcupine (issue 5, item 6).
func CheckTrace(t *traces.Trace, timeout time.Duration) error {
	ops, err := FromTrace(t)
	if err != nil {
		return err
	}
	r := Check(ops, timeout)
	switch r.Verdict {
	case Ok:
		return nil
	case Illegal:
		return fmt.Errorf("%w: %s", ErrNotLinearizable, r.Detail)
	}
	return fmt.Errorf("%w: %s", ErrUnknown, r.Detail)
}
