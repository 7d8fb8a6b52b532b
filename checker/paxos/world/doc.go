// Package world is single-decree Paxos's state graph: checker/graph, the
// generic state graph, at impl/paxos's types, with *Setup as its
// graph.Protocol (adapter.go: Paxos's answers to the graph's questions, by
// running and reading impl/paxos). It adds what only Paxos knows: the
// cluster configuration and its clients, the round bound on proposers'
// timeouts (MaxRound), the spec's form of a sent message (SentForm), the
// trace header and the recorder of traces.
//
// The explorer (checker/explore) enumerates these actions exhaustively, the
// simulator (checker/sim) draws them at random, and trace replay applies the
// actions a trace names. All three share this one definition of the state
// graph.
package world
