// Package world is the global state of a simulated cluster: the node states,
// what each node has on stable storage, the network (a multiset of messages
// in flight, kept sorted), the history of messages ever sent (the spec's
// msgs), the armed timers, the clients and the fault budgets used. A
// node's timeout is offered only while the timer its own steps armed is
// armed (paxos.Effects.Timer): the world infers no timer from roles. It lists every enabled
// action of a state and applies one, running the nodes of impl/paxos exactly
// as a real runtime must: persist first, then send.
//
// The explorer (checker/explore) enumerates these actions exhaustively, the
// simulator (checker/sim) draws them at random, and trace replay applies the
// actions a trace names. All three share this one definition of the state
// graph.
package world
