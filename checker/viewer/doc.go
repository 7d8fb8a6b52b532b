// Package viewer renders a trace as one self-contained HTML page (inline
// CSS and JavaScript, no network access) that steps through it: a
// message-flow diagram with a lane per client (C0..) and per node (A0, P3,
// L5), as in the text diagram of `paxoscheck show`, and a row per step in
// which each message the step sent is a level arrow with its label in a
// box of its own (labels never overprint, however long the trace); beside
// it, in a panel that stays in view, the value of every invariant at the
// current step, each node's state with the fields the step changed
// highlighted, and the clients' history with Porcupine's verdict and
// visualization. The address names the step shown (page.html#step=N opens
// step N).
//
// The page computes nothing about any protocol itself: Build replays the
// trace in Go through the same state graph as the explorer and `paxoscheck
// replay` (a replay.Protocol's reading of its steps), renders each state
// with the protocol's labels (Protocol: its columns, steps, node states
// and messages as text) and embeds it all as JSON; the script only draws
// it. It imports no protocol: single-decree Paxos's labels are
// checker/paxos/paxosmodel's (BuildPage, WriteHTML), whose pages the tests pin.
package viewer
