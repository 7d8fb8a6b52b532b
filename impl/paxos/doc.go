// Package paxos is a deterministic single-decree Paxos core, after Lamport's
// "Paxos Made Simple": acceptors, proposers and learners as pure state
// machines.
//
// A node never reads a clock, draws a random number, does I/O or starts a
// goroutine. It takes one [Input] and returns its new state and its
// [Effects] as data. Whoever runs a node (the exhaustive explorer, the
// simulator, a real network runtime) must persist Effects.Persist before it
// sends Effects.Send: a crash between the two is then a state the explorer
// visits, and a crash can never lose a promise or a vote that a message
// already announced.
//
// Timers are effects too: a node has one timer, which its steps arm and
// cancel (Effects.Timer); the runtime delivers InTimeout only while it is
// armed, and a crash disarms it. A proposer arms it when it gets a value to
// propose and cancels it when it hears that a value is decided.
//
// Vocabulary follows spec/Paxos.tla: Ballot, MaxBal, MaxVBal, MaxVal and the
// messages 1a, 1b, 2a, 2b. Two message types exist only in Go: Nack (an
// acceptor tells a proposer of a higher promise, so it can retry above it)
// and Decided (the learner tells the proposers the chosen value, so they can
// answer their clients).
//
// A small catalogue of known bugs ([Bug]) can be switched on through
// [Config.Bugs]; each is off by default and exists so that the checkers can
// be shown to find real Paxos bugs.
package paxos
