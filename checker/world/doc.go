// Package world is the global state of a simulated cluster: the node states,
// what each node has on stable storage, the network (a multiset of messages
// in flight, kept sorted), the history of messages ever sent (the spec's
// msgs), the clients and the fault budgets used. It lists every enabled
// action of a state and applies one, running the nodes of impl/paxos exactly
// as a real runtime must: persist first, then send.
//
// The explorer (checker/explore) enumerates these actions exhaustively, the
// simulator (checker/sim) draws them at random, and trace replay applies the
// actions a trace names. All three share this one definition of the state
// graph.
package world
