// Package graph is the state graph of a simulated cluster, generic over the
// protocol: the node states, what each node has on stable storage, the
// network (a multiset of messages in flight, kept sorted, or the set of a
// message-set spec), the history of messages ever sent (the spec's msgs),
// the armed timers, the clients and the fault budgets used. It lists every
// enabled action of a state and applies one, running the nodes exactly as
// a real runtime must: every step's effects go through impl/runner
// (persist, then send), into a storage.Slot of the state and the simulated
// network.
//
// A protocol plugs in by implementing Protocol: its nodes' Enabled and
// Step (inputs: a delivery, a timeout of an armed timer, a client request,
// a crash, a restart with the durable state), what of a step's effects the
// graph carries out (Common: the write, the sends, the timer), its byte
// layout, its trace event names and the bound on its timeouts. The graph
// holds the fault model (drops, duplications, crashes, crashes in the
// middle of a step, budgets, the set network) once for every protocol,
// and infers no protocol rule: a timeout comes only while the node's own
// steps left its timer armed, a message or request is offered only where
// the node's code takes it.
//
// checker/paxos/world is single-decree Paxos's adapter (its *Setup is a
// Protocol); the explorer, the simulator and replay run on it. graph
// imports no protocol package (internal/seam's test).
package graph
