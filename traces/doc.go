// Package traces is the trace format that every part of paxoscheck writes
// and reads: JSON Lines, one header line and then one line per step, as
// documented field by field in FORMAT.md. A counterexample is a trace.
package traces
