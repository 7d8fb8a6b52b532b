// Package timer is what a step does to its node's one timer, for every
// core (impl/paxos, impl/multipaxos) and their runtime (impl/runner):
// timers are effects, not rules the runtime infers. When an armed timer
// fires, the node gets its timeout input; a crash disarms it. Like the
// cores it imports no clock, randomness or I/O.
package timer

import "fmt"

// Op is what a step does to its node's timer.
type Op uint8

// The timer operations.
const (
	Keep   Op = iota // leave the timer as it is
	Arm              // arm it: a timeout may come
	Cancel           // disarm it: no timeout will come
)

// String names the operation ("keep", "arm", "cancel").
func (t Op) String() string {
	switch t {
	case Keep:
		return "keep"
	case Arm:
		return "arm"
	case Cancel:
		return "cancel"
	}
	return fmt.Sprintf("timer(%d)", uint8(t))
}

// MarshalText writes "arm" or "cancel" (Keep is written as absent).
func (t Op) MarshalText() ([]byte, error) {
	if t != Arm && t != Cancel {
		return nil, fmt.Errorf("timer operation %s cannot be written", t)
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads "arm" or "cancel".
func (t *Op) UnmarshalText(b []byte) error {
	switch string(b) {
	case "arm":
		*t = Arm
	case "cancel":
		*t = Cancel
	default:
		return fmt.Errorf("timer %q: want \"arm\" or \"cancel\"", b)
	}
	return nil
}
