// Package traces is the envelope of the one trace format that every part
// of paxoscheck writes and reads, for every protocol: JSON Lines, one
// header line and then one line per step, documented field by field in
// FORMAT.md. A counterexample is a trace.
//
// A protocol supplies its layer as a Format: its header type (which
// embeds Head and Run), its step type, their required keys and a Checker
// of their contents. Read and ReadFile validate what they read and report
// a malformed trace as a *ParseError naming the line and the reason;
// Write and WriteFile refuse to write what Read would reject (Validate is
// the shared check). Flight keeps the message ids a checker needs. The
// package imports no protocol; traces/paxostrace is single-decree Paxos's
// layer, with its diagrams.
package traces
