// Package linearize checks what the clients of single-decree Paxos saw
// against the sequential specification of consensus, with Porcupine
// (github.com/anishathalye/porcupine, Herlihy and Wing's linearizability
// checked by the Wing-Gong/Lowe search).
//
// Clients see consensus as a write-once register: Propose(v) returns the
// decided value. The first proposal in the linearization fixes the value;
// every proposal, including that one, returns it (Model).
//
// A history is extracted from a trace's Invoke steps (client, value, time)
// and the replies of its steps (client, value, time) by FromTrace. A client
// whose reply never came is a pending operation: it keeps its call, gets
// return time math.MaxInt64 (it may take effect at any time after its call,
// or never) and an unknown output, which the model accepts. Pending
// operations are neither dropped (a proposal that was never answered can
// still be the one chosen) nor given an invented reply.
//
// Check runs Porcupine with a timeout. A timeout is Unknown, never Ok: the
// search is NP-hard and an unfinished search has shown nothing.
package linearize
