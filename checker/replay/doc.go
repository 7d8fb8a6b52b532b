// Package replay checks a trace against the implementation: it re-executes
// every step of the trace on impl/paxos through the shared state graph
// (checker/world), compares what the trace claims each step did (the
// event, the messages sent with their contents and ids, the durable state
// written, the value learned, the client replies) with what the code does,
// evaluates every invariant of checker/invariant after every step, and
// checks the client history for linearizability (checker/linearize).
//
// The first step where trace and code disagree is reported as a typed
// Divergence: a trace that diverges was not produced by this code (or this
// configuration), and no conclusion about the code can be drawn from its
// later steps. A replay is deterministic: the same trace gives the same
// states, step by step (DESIGN.md, "Traces").
package replay
