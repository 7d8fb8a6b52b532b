// Package paxostrace is single-decree Paxos's layer of the trace format
// (traces.Format, FORMAT.md): the header's cluster and clients, the steps'
// actions, messages, durable writes, learned values and replies, and
// their checks. Read, ReadFile, Write and WriteFile are the envelope's at
// this layer. RenderText and RenderMermaid draw a trace as a sequence
// diagram (issue 2 item 4, issue 6 item 1).
package paxostrace
