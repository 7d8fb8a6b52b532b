// Package sim is the seeded random simulator (issue 2, item 6; DESIGN.md,
// "Simulation"): it runs the cluster of checker/world, at each step picking
// one of the enabled actions (deliver, drop or duplicate any message in
// flight, crash or restart a node, fire a proposer timeout, let a client
// invoke), and checks every invariant of checker/invariant after every
// action.
//
// Every scheduling decision goes through a Chooser. A PRNG chooser seeded
// with a printed seed gives reproducible runs (Run); in the tests, a rapid
// chooser lets pgregory.net/rapid generate and shrink schedules. A failing
// run is reduced to a short schedule that still breaks the same invariant
// (Shrink), and every run can be turned into a trace (Result.Trace).
//
// The simulator is the same state graph as the explorer (checker/explore)
// and replay: it only chooses among world.State.Actions and applies them
// with world.State.Apply, so a simulated trace replays exactly.
package sim
