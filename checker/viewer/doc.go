// Package viewer renders a trace as one self-contained HTML page (inline
// CSS and JavaScript, no network access) that steps through it: a
// message-flow diagram with one column per node and one row per step, each
// node's state at the current step with the fields the step changed
// highlighted, the value of every invariant of checker/invariant.All at
// that step, and the clients' history with Porcupine's verdict and
// visualization.
//
// The page computes nothing about Paxos itself: the node states are
// obtained in Go by replaying the trace through the same state graph as
// the explorer and `paxoscheck replay` (world.SetupFromHeader,
// world.ActionOf, State.Apply), and embedded as JSON; the script only
// draws them. It lives under checker/ rather than traces/ because it needs
// checker/world and checker/invariant, and DESIGN.md has traces import
// only impl.
package viewer
