package traces

import (
	"fmt"

	"github.com/paxoscheck/paxoscheck/internal/english"
)

// FormatName is the value of Head.Format in every trace.
const FormatName = "paxoscheck-trace"

// Version is the version of the envelope (FORMAT.md) this package writes
// and reads. A protocol's own fields have a version of their own
// (Head.ProtocolVersion).
const Version = 1

// Time units of Run.TimeUnit.
const (
	// TimeStep is logical time: a simulator or explorer step counter.
	TimeStep = "step"
	// TimeNanos is monotonic nanoseconds, as a real cluster records.
	TimeNanos = "ns"
)

// Head is what a header says about the file: the format, its version, and
// the protocol whose fields the rest of the trace holds. A protocol's
// header type embeds it first (encoding/json writes and reads its fields
// inline), then its own fields, then Run.
type Head struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Protocol and ProtocolVersion name what ran and the layout of its
	// fields (Format.Protocol). A header without them (a trace of before
	// the fields) is refused.
	Protocol        string `json:"protocol,omitempty"`
	ProtocolVersion int    `json:"protocol_version,omitempty"`
}

// Run is what a header says about the run: what wrote it, the seed, the
// unit of the steps' times and the violation the trace shows. A protocol's
// header type embeds it last.
type Run struct {
	// Source says what wrote the trace: "simulate", "explore", "scenario",
	// "cluster", "shrink".
	Source string `json:"source,omitempty"`
	// Seed is the simulator seed that produced the trace, if any.
	Seed *uint64 `json:"seed,omitempty"`
	// TimeUnit is TimeStep or TimeNanos.
	TimeUnit  string     `json:"time_unit"`
	Violation *Violation `json:"violation,omitempty"`
}

// Violation names the invariant a trace breaks and the step after which it
// first fails (0: the initial state).
type Violation struct {
	Invariant string `json:"invariant"`
	Step      int    `json:"step"`
	Detail    string `json:"detail,omitempty"`
}

// Line is v as every report words a violation: "VIOLATION: Agreement
// violated after step 8: ..." (english.Violation).
func (v *Violation) Line() string {
	return "VIOLATION: " + english.Violation(v.Invariant, v.Step, v.Detail)
}

// Trace is a whole trace of a protocol whose header type is H and step
// type S.
type Trace[H, S any] struct {
	Header H
	Steps  []S
}

// A Format is a protocol's layer of the trace format: its header and step
// types (H embeds Head and Run), which keys they require, and the checks
// of their contents. The envelope (this package) reads and writes lines,
// refuses unknown fields, and checks what every trace must satisfy: the
// format, the versions, the protocol, the step numbers, times that never
// decrease, the time unit and the violation's step.
type Format[H, S any] interface {
	// Protocol is the protocol's name and the version of its fields.
	Protocol() (name string, version int)
	// Head returns the envelope's parts of h.
	Head(h *H) (*Head, *Run)
	// HeaderKeys and StepKeys are the JSON keys a header and a step must
	// have, in the order a missing one is reported (the envelope's among
	// them: "format", "version", "time_unit"; "step", "time").
	HeaderKeys() []string
	StepKeys() []string
	// StepOf returns s's number and time.
	StepOf(s *S) (step int, time int64)
	// NewChecker returns the checker of one trace's contents.
	NewChecker() Checker[H, S]
}

// A Checker checks the protocol's fields of one trace, line by line: the
// header, then each step in order (after the envelope's checks of each).
// An error is the reason the line is malformed; the envelope adds where,
// and keeps what the error wraps (a configuration error, say) as the
// ParseError's Err.
type Checker[H, S any] interface {
	Header(h *H) error
	Step(s *S) error
}

// Flight is the book of message ids that a checker keeps: which ids were
// ever sent and which are in flight, with their messages. Every sent
// message, a duplicate's copy included, gets a fresh id; a step consumes
// an id in flight.
type Flight[M comparable] struct {
	flight map[int]M
	used   map[int]bool
}

// Fresh reports why id cannot be a new message's: below 1, or used
// before (nil: it can).
func (f *Flight[M]) Fresh(id int) error {
	if id < 1 {
		return fmt.Errorf("sent message id %d: ids start at 1", id)
	}
	if f.used[id] {
		return fmt.Errorf("message id %d is reused (every sent message, copies included, gets a fresh id)", id)
	}
	return nil
}

// Send records m sent as id, if Fresh allows it.
func (f *Flight[M]) Send(id int, m M) error {
	if err := f.Fresh(id); err != nil {
		return err
	}
	if f.used == nil {
		f.flight, f.used = map[int]M{}, map[int]bool{}
	}
	f.used[id] = true
	f.flight[id] = m
	return nil
}

// InFlight returns the message sent as id, whether it is still in flight,
// and whether id was ever sent.
func (f *Flight[M]) InFlight(id int) (m M, inFlight, sent bool) {
	m, inFlight = f.flight[id]
	return m, inFlight, f.used[id]
}

// Consume takes id out of flight.
func (f *Flight[M]) Consume(id int) { delete(f.flight, id) }

// Take checks that a step's consumed message id, recorded as m, was sent
// as m and is still in flight, and consumes it unless keep (a
// duplication leaves its original in flight). A message that shows its
// route (a Route() string method) is named with it.
func (f *Flight[M]) Take(id int, m M, keep bool) error {
	sent, inFlight, used := f.InFlight(id)
	switch {
	case !used:
		return fmt.Errorf("msg %d was never sent", id)
	case !inFlight:
		return fmt.Errorf("msg %d was already consumed", id)
	case sent != m:
		return fmt.Errorf("msg %d is %s, but was sent as %s", id, routed(m), routed(sent))
	}
	if !keep {
		f.Consume(id)
	}
	return nil
}

// routed renders m with its route, when it has one: "1a b=1.0 3->0".
func routed(m any) string {
	if r, ok := m.(interface{ Route() string }); ok {
		return fmt.Sprintf("%v %s", m, r.Route())
	}
	return fmt.Sprint(m)
}
