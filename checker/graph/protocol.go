package graph

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/paxoscheck/paxoscheck/impl/runner"
	"github.com/paxoscheck/paxoscheck/internal/english"
)

// Protocol is what the state graph needs of a protocol: its adapter
// implements it (for single-decree Paxos, *world.Setup). The type
// parameters are the protocol's own types: I its node ids, K its client
// ids, N a node's state, M a message, D a node's durable state and E the
// effects of one step as its core returns them.
//
// Everything here is a question about the code under test, answered by
// running or reading it: the graph infers no rule of any protocol.
type Protocol[I, K ~uint8, N any, M Message[M], D, E any] interface {
	// GraphOptions are the graph's bounds and fault model.
	GraphOptions() *Options[I]
	// Nodes returns the initial state of every node, in the order a
	// State keeps them, or why the configuration cannot run.
	Nodes() ([]N, error)
	// ID is node n's id.
	ID(n *N) I
	// Crashed reports whether n is down (only a restart is enabled).
	Crashed(n *N) bool
	// Enabled reports whether n takes in; Step runs it, writes the new
	// state to next (n unchanged, unless next is n) and returns the
	// effects, with what of them the graph carries out and counts
	// (Common). An input that Enabled refuses is an error of Step
	// wrapping ErrInput. (Inputs, actions and messages go by value, and
	// states by pointer into memory that outlives the call: a pointer
	// passed to an interface method escapes.)
	Enabled(n *N, in Input[K, M, D]) bool
	Step(n *N, in Input[K, M, D], next *N) (E, Common[M, D], error)
	// MidStepEffects is what a trace records of a step cut short by a
	// crash after its durable write (ActCrashMidStep): e's write alone,
	// copied (the node's crash step runs after it, on the state e's write
	// may point into).
	MidStepEffects(e E) E
	// TimeoutInBound reports whether the search bounds allow node n's
	// timeout (a bound on rounds, say): the graph offers a timeout when
	// n's timer is armed and this allows it.
	TimeoutInBound(n *N) bool
	// NumClients is the number of clients; ClientNode the node client k
	// sends its request to.
	NumClients() int
	ClientNode(k K) I

	// To is m's addressee. SentForm is how m is recorded in Sent, the
	// spec's history of messages; ok false: Sent does not hold m.
	To(m M) I
	SentForm(m M) (f M, ok bool)

	// Event names, for traces, what action a does at its node: the spec
	// action (or Go-only event) that its delivery, timeout or request is.
	Event(a Action[I, K, M]) string

	// The protocol's byte layout (one place, its own), canonical: equal
	// values, and only equal values, encode equally. AppendNode writes
	// everything of node n but its id, position and role (the State's
	// order implies them) and then its stored state d; AppendMsgs writes
	// a list of messages, its length included. DecodeNode and DecodeMsgs
	// read them back from the start of b and return the rest; n keeps
	// its identity, dst's storage is reused.
	AppendNode(b []byte, n *N, d *D) []byte
	AppendMsgs(b []byte, ms []M) []byte
	DecodeNode(b []byte, n *N, d *D) ([]byte, error)
	DecodeMsgs(b []byte, dst []M) ([]M, []byte, error)
}

// Message is what the graph needs of a protocol's message type: equality,
// and a total order (Net and Sent are kept sorted by Compare).
type Message[M any] interface {
	comparable
	Compare(o M) int
}

// Router is implemented by message types that can show their sender and
// addressee ("3->0"); Action.String uses it.
type Router interface{ Route() string }

// Options are the bounds of a state graph and its fault model, the same
// for every protocol.
type Options[I ~uint8] struct {
	Budget Budget
	// Crashable lists the nodes that may crash; nil means every node.
	Crashable []I
	// MidStepCrash also offers, while the crash budget lasts, a crash in
	// the middle of handling a message: after its durable state is written
	// and before its messages leave (DESIGN.md, "The deterministic core").
	MidStepCrash bool
	// Unbounded lifts the fault budgets in Apply (not in Actions): a
	// replay follows its trace and does not enforce bounds.
	Unbounded bool
	// SetNetwork switches to the network of a message-set spec: msgs only
	// grows, and a message once sent may be received any number of times,
	// in any order, or never. Net is then a set, a delivery does not
	// remove the message, and drops and duplications are never offered:
	// the set network already contains every schedule of any number of
	// drops, duplications and reorderings (a message never delivered is a
	// lost one, one delivered again is a duplicate). Budget.Drops and
	// Budget.Dups must be zero. Paths of this graph become ordinary traces
	// through ToMultiset (network.go).
	SetNetwork bool
	// Follows orders a session's operations: a client c with Follows[c]
	// >= 0 invokes only once client Follows[c] has been answered (one
	// session has one operation outstanding at a time, as a client that
	// numbers its commands does). nil, or -1: no order.
	Follows []int
	// History records in every state its path's client history
	// (State.History) from the answers that steps give
	// (Common.Outputs), so that a checker can check linearizability on
	// every state. States whose paths answered their clients in different
	// orders, or with different answers, stay apart.
	History bool
}

// Budget bounds the faults of a run. Zero means the fault never happens.
type Budget struct {
	Drops   int `json:"drops"`
	Dups    int `json:"dups"`
	Crashes int `json:"crashes"`
}

// InputKind is what happens to a node.
type InputKind uint8

// The inputs of a node.
const (
	InDeliver InputKind = iota + 1 // Msg arrives
	InTimeout                      // its armed timer fires
	InRequest                      // Client's request arrives
	InCrash                        // it stops; its volatile state is gone
	InRestart                      // it comes back with Durable
)

// Input is one thing that happens to a node.
type Input[K ~uint8, M, D any] struct {
	Kind    InputKind
	Msg     M
	Client  K
	Durable D
}

// TimerOp is what a step does to its node's timer (runner.TimerOp). A
// node has one timer; when it fires, the node gets an InTimeout. A crash
// disarms it.
type TimerOp = runner.TimerOp

// The timer operations.
const (
	TimerKeep   = runner.TimerKeep   // leave it as it is
	TimerArm    = runner.TimerArm    // arm it: a timeout may come
	TimerCancel = runner.TimerCancel // disarm it
)

// Common is what of a step's effects the graph carries out (through
// impl/runner: persist, then send) and counts.
type Common[M, D any] struct {
	Persist *D
	Send    []M
	Timer   TimerOp
	// Learned and Returned are bits to set in State.Learned (the node
	// learned a value: the bit of its learner index, say) and
	// State.Returned (the clients it answered).
	Learned  uint64
	Returned Clients
	// Outputs are the answers behind Returned's bits, in the protocol's
	// encoding, for State.History (read only with Options.History).
	Outputs []Output
}

// Output is a client's answer, in the protocol's own encoding.
type Output struct {
	Client int
	Out    string
}

// Checker checks a protocol's invariants (its spec's, by their names) on
// states, and says whether some value has been chosen in the state it
// checked last: the one definition of "chosen" that every checker's
// "sometimes" property reads. A checker may keep buffers between calls but
// no verdict: the explorer hands it states in any order.
type Checker[I ~uint8, N any, M Message[M], D any] interface {
	Check(st *State[I, N, M, D], step int) *Violation
	AnyChosen() bool
}

// Violation is an invariant (or a check of a whole run) that failed: its
// name (the spec's, for an invariant), the step after which it first
// failed (0: the initial state) and what was wrong.
type Violation struct {
	Invariant string
	Step      int
	Detail    string
}

// Error implements error.
func (v *Violation) Error() string {
	return english.Violation(v.Invariant, v.Step, v.Detail)
}

// ErrInput is wrapped by errors about an action that the state cannot
// take. A protocol's refusals (Step) may wrap its own error as well.
var ErrInput = errors.New("action not enabled")

// ErrSetup is wrapped by every error about the graph's options.
var ErrSetup = errors.New("invalid setup")

// Select returns the checks of all whose names are in names, in all's
// order: a user's choice of the invariants to check (--invariants), as a
// TLC cfg names its INVARIANTS. A name that is not in all is an error that
// lists the known ones. Every protocol's invariant list uses it.
func Select[T any](all []T, names []string, name func(T) string) ([]T, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := []T{} // not nil: a choice of none is not "all"
	var known []string
	for _, x := range all {
		known = append(known, name(x))
		if want[name(x)] {
			out = append(out, x)
		}
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("unknown invariant %q (known: %s)", n, strings.Join(known, ", "))
		}
	}
	return out, nil
}
