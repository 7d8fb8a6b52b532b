// Package explore enumerates every interleaving of a small cluster of any
// protocol: a breadth-first (or depth-first) search of the state graph of
// checker/graph, where every state holds the real node states of the code
// under test, with the protocol's invariants checked in every distinct
// state (issue 4). It imports no protocol: a protocol plugs in as a Model
// (its graph.Protocol, its invariant checker and its "sometimes" facts)
// and may bring a Reduction. checker/paxos/paxosexplore is single-decree Paxos's
// adapter, and the example to follow.
//
// # Search
//
// The default search is level-synchronous breadth-first: the frontier of
// depth d is expanded completely, by all workers in parallel, before depth
// d+1 starts. The first violation is therefore found at the smallest depth
// at which any exists, whatever the number of workers, and the set of
// distinct states is the same for any number of workers (the visited set is
// shared; which worker inserts a state first does not change the set).
//
// Depth-first search (Options.DFS) runs one worker and may take each
// state's successors in a seeded order (Options.Order). A swarm
// (Options.Swarm, swarm.go) runs many bounded depth-first searches in
// different orders, one after another, to hunt bugs in graphs too large
// to search whole; it says that its coverage is not complete unless one
// of its searches was.
//
// # Storage
//
// A stored state costs a 64-bit fingerprint in an open-addressing set
// (fpset.go: sharded Robin Hood hashing, grown by 1.25x at load 0.9, so the
// load stays between 0.72 and 0.9) plus 5 bytes of predecessor information
// (the parent's discovery number and the index of the action in the
// parent's graph.Actions list). A counterexample is rebuilt by following
// parent numbers back to the initial state and replaying the action
// indices forward. The frontier holds states in the protocol's canonical
// encoding (graph.AppendBinary) and is freed level by level; it is
// reported in peak memory, not in bytes per stored state. Two distinct
// states with equal fingerprints would make the search skip one of them;
// with n states the chance of any collision is about n²/2⁶⁵ (4e-6 for
// 12.7M states), the same trade TLC makes.
//
// # Reductions
//
// Without a Reduction every state is hashed whole from its canonical
// encoding (Exact) and every action is explored. A protocol's Reduction
// supplies the fingerprint (a Hasher per worker: the fingerprint of a
// successor may be worked out from its parent and the graph.Change,
// without building it) and may leave actions out. A checker must doubt
// the code it checks, so a reduction may rest on no rule of the correct
// protocol: its hypotheses are proved against the code under test in the
// same run (Reduction.Certify, before any verdict), and one the code
// refutes is dropped and the search starts again without it
// (Result.Refuted). Options.VerifyFingerprints checks every worked-out
// fingerprint against the whole hash.
//
// # Networks
//
// With graph.Options.SetNetwork the search runs on the network of a
// message-set spec: a message once sent stays deliverable forever, so
// every schedule of any number of drops, duplications and reorderings is
// in the graph, with no budgets. A deadlock is then a state that no action
// changes while a client waits; states where a client waits only because
// some message was never delivered are not deadlocks, since delivering it
// is still possible.
//
// # Properties
//
// Safety: the model's invariants (Model.NewChecker) in every distinct
// state. Sometimes: a value is chosen (graph.Checker.AnyChosen, the
// protocol's one definition of chosen) and every learner learned
// (Model.AllLearned), each in at least one state, or a complete run fails
// as vacuous. Deadlock: a state with no enabled action (or none the
// reduction explores and none that changes the state) while a client
// waits. A deadlock where some node's timer is armed and it would take the
// timeout but for the search's bounds (graph.Protocol.TimeoutInBound) is a
// bound artefact: counted, never an error. The others are errors when
// Options.DeadlockIsError is set.
package explore
