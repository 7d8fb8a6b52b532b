// Package paxosexplore is single-decree Paxos's adapter to the generic
// explorer (checker/explore): its model (checker/paxos/paxosmodel's, over
// checker/paxos/world's graph), and its reductions, proved against the code in
// every run. Run explores a world.Setup; Trace turns a counterexample into
// a trace; DefaultSetup and CannotExpose say what bounds expose the
// catalogue's bugs (coverage.go).
//
// # Fingerprints
//
// Fingerprints are 64-bit hashes of the state (hash.go): a column per
// acceptor (its node and storage, the messages from or to it, the
// proposers' Promised bits and the learners' votes for it) and a rest, each
// a sum of 64-bit mixes of its parts, mixed again and added up. They are
// deterministic across runs and machines, and worked out for a successor
// from its parent's parts and the world.Change of the action, without
// building the successor unless it is new (tests check every one against
// the whole hash).
//
// # Reductions
//
// Two are on by default and switch off with Options.NoSymmetry and
// Options.NoDead; together they are one explore.Reduction (explore.go).
// A checker must doubt the code it checks, so neither rests on the
// protocol being right: each is a set of hints (hints.go), hypotheses
// about what the code reads, and the certifier (certify.go)
// proves the hints against the code under test in the same run, by
// stepping every local state a node can be in (in any reachable state of
// the full graph, reduced or not) through the real code with every input
// it can get. A hint the code does not bear out is switched off and the
// search starts again without it (Result.Refuted). The certifier's doc
// gives the argument that a certified reduction keeps every verdict for
// any code; tests compare the abstract states (everything an invariant
// reads) reached with and without the reductions, on correct and buggy
// code, and `make mutants` runs every mutant of impl/paxos with them on
// and off.
//
// Symmetry (hintSymmetry; symmetry.go, hash.go): when the acceptors are
// interchangeable, a state and its image under a permutation of acceptor
// ids have the same future up to that permutation. The fingerprint adds up
// the acceptors' columns, in which an acceptor's own id is left out, so it
// is the same for every state of an orbit and differs (barring collisions)
// between orbits: one state per orbit is stored, and no permutation is
// ever enumerated, whatever the number of acceptors. The frontier keeps
// the real state, so a counterexample is a real path. That the code treats
// acceptors alike is certified: every certified step is also run on every
// permuted copy of its node and input. It is not tried when only some
// acceptors may crash (Setup.Crashable breaks the symmetry). Values are not
// permuted: each client's value is tied to its proposer, and proposers are
// not symmetric (ballots order them).
//
// Dead-state reduction (the other hints; dead.go): states that differ only
// in what no later step reads (a proposer's phase-1 tallies outside phase
// 1, the part of Seen below its own round, a learner's recorded vote
// values) share a fingerprint, messages whose delivery can never change
// anything (a stale 1b, nack or decided at a proposer, a stale 2b at a
// learner) are left out of it and their deliveries, drops and duplications
// are not explored, and a crash of a node whose restart gives back its
// exact state (a correct acceptor, whose whole state is durable) is not
// explored. It is a bisimulation quotient, so verdicts and shortest
// counterexample lengths are kept. It replaces the partial-order
// reductions of earlier versions, whose rules were copies of the correct
// protocol's (dead.go says what became of them).
//
// # Networks
//
// With world.Setup.SetNetwork the search runs on the spec's network
// (spec/Paxos.tla msgs): a message once sent stays deliverable forever, so
// every schedule of any number of drops, duplications and reorderings is in
// the graph, with no budgets, and the graph is usually far smaller than the
// multiset one with even one drop and one duplication (a delivery no longer
// creates a new network). Set-network states are ordinary world states
// whose Net has no two equal messages, so the codec and the acceptor
// symmetry apply unchanged. A deadlock is a state that no action changes
// (every enabled action is a self-loop, or a crash that loses nothing)
// while a client waits; states where
// a client waits only because some message was never delivered are not
// deadlocks, since delivering it is still possible. Counterexamples are
// turned into multiset traces by world.ToMultiset (Trace).
//
// # Properties
//
// Safety: every invariant of invariant.All, through invariant.CheckWorld,
// in every distinct state. Sometimes: a value is chosen (2b messages of one
// ballot and value from a majority of acceptors in Sent, the spec's
// Chosen) and every learner learned, each in at least one state, or the
// run fails as vacuous. Deadlock: a state with no enabled action while a
// client waits (invoked, not returned), where actions on dead messages and
// crashes that lose nothing do not count (dead.go). A deadlock where some proposer
// would retry but for Setup.MaxRound is a bound artefact: counted, never an
// error. The others are errors when Options.DeadlockIsError is set.
package paxosexplore
