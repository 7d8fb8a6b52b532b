// Package replay checks a trace against the implementation, for any
// protocol: it re-executes every step of the trace on the code through the
// shared state graph (checker/graph), compares what the trace claims each
// step did (the event, the messages sent with their contents and ids, and
// what the protocol's After compares: the durable state written, the
// value learned, the client replies, the timer) with what the code does,
// evaluates every invariant after every step (Tracker), and checks the
// client history for linearizability (checker/linearize). A protocol plugs
// in as a Protocol: for single-decree Paxos, checker/paxos/paxosmodel's Model.
//
// The first step where trace and code disagree is reported as a typed
// Divergence: a trace that diverges was not produced by this code (or this
// configuration), and no conclusion about the code can be drawn from its
// later steps. A replay is deterministic: the same trace gives the same
// states, step by step (DESIGN.md, "Traces").
package replay
