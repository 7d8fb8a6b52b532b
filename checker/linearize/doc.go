// Package linearize checks a client history against a protocol's
// sequential specification with Porcupine (github.com/anishathalye/porcupine,
// Herlihy and Wing's linearizability checked by the Wing-Gong/Lowe search).
// It is generic over the protocol: a protocol supplies a Model (its
// Porcupine model, which operations are pending, and how to explain an
// illegal history) and extracts its clients' history from its traces
// (for single-decree Paxos, a write-once register: checker/paxos/paxosmodel).
//
// A client whose reply never came is a pending operation: it keeps its
// call, gets return time Return (math.MaxInt64: it may take effect at any
// time after its call, or never) and an unknown output, which the model
// must accept. Pending operations are neither dropped (a request never
// answered can still have taken effect) nor given an invented reply.
//
// Check runs Porcupine with a timeout. A timeout is Unknown, never Ok: the
// search is NP-hard and an unfinished search has shown nothing.
package linearize
