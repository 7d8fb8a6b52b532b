// Package sim is the seeded random simulator (issue 2, item 6; DESIGN.md,
// "Simulation"), generic over the protocol: it runs a protocol's state
// graph (checker/graph), at each step picking one of the enabled actions
// (deliver, drop or duplicate any message in flight, crash or restart a
// node, fire an armed timer, let a client invoke), and checks the
// protocol's invariants after every action. A protocol plugs in as a
// Model: its graph.Protocol, its invariant Checker, the mask of "every
// learner learned" and how a run becomes its trace. checker/paxos/paxosmodel is
// single-decree Paxos's (with the simulator's types at Paxos's types); sim
// imports no protocol.
//
// Every scheduling decision goes through a Chooser. A PRNG chooser seeded
// with a printed seed gives reproducible runs (Run); in the tests, a rapid
// chooser lets pgregory.net/rapid generate and shrink schedules. A failing
// run is reduced to a short schedule that still breaks the same invariant
// (Shrink), and every run can be turned into a trace (Result.Trace).
//
// The simulator is the same state graph as the explorer (checker/explore)
// and replay: it only chooses among graph.Actions and applies them with
// graph.Apply, so a simulated trace replays exactly.
package sim
