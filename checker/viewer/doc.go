// Package viewer renders a trace as one self-contained HTML page (inline
// CSS and JavaScript, no network access) that steps through it: a
// message-flow diagram with one column per node and one row per step, each
// node's state at the current step with the fields the step changed
// highlighted, the value of every invariant at that step, and the
// clients' history with Porcupine's verdict and visualization.
//
// The page computes nothing about any protocol itself: Build replays the
// trace in Go through the same state graph as the explorer and `paxoscheck
// replay` (a replay.Protocol's reading of its steps), renders each state
// with the protocol's labels (Protocol: its columns, steps, node states
// and messages as text) and embeds it all as JSON; the script only draws
// it. It imports no protocol: single-decree Paxos's labels are
// checker/paxos/paxosmodel's (BuildPage, WriteHTML), whose pages the tests pin.
package viewer
